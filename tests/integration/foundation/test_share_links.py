"""Share links and disabled accounts, against the real database (SQLite, and PostgreSQL when set).

A link opens only its own item, for a visitor who cannot write; it expires as asked (0 days is not
"never"), stops when revoked, when its creator is disabled or its project archived, and cannot point
into another project. A disabled user can do nothing: services refuse them and so does login.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from voltvault_core import projects
from voltvault_core.simulation import service as sims
from voltvault_core.auth.permissions import PermissionDenied, ShareVisitor, require_role
from voltvault_core.auth.users import add_user, authenticate, authenticator_credentials, set_user_active
from voltvault_core.cycling import service as cycling
from voltvault_core.cycling.export import to_csv_bytes
from voltvault_core.cycling.synthetic import synthetic_cycling_frame
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import ShareLink, User, utcnow
from voltvault_core.sharing import ShareLinkInvalid, shared_content, visitor_for
from voltvault_core.tracking import service as tracking

PRIMARY = {"cell_identifier": "CELL-SHARED", "chemistry": "NMC811/graphite", "nominal_capacity_Ah": 2.0,
           "instrument": "synthetic", "owner": "lab", "test_objective": "share test"}


@pytest.fixture
def two_datasets(engine, users):
    data = to_csv_bytes(synthetic_cycling_frame(3, points_per_step=10, rest_points=2))
    with session_scope(engine) as session:
        owner = session.merge(users["owner"])
        shared = cycling.import_dataset(session, owner, users["project_id"], data=data, filename="shared.csv",
                                        primary=PRIMARY, name="Shared cell")
        other = cycling.import_dataset(session, owner, users["project_id"], data=data, filename="other.csv", allow_duplicate=True,
                                       primary={**PRIMARY, "cell_identifier": "CELL-PRIVATE"}, name="Private cell")
        return shared.id, other.id


def _link(engine, users, **kwargs):
    with session_scope(engine) as session:
        return projects.create_share_link(session, session.merge(users["owner"]), users["project_id"], **kwargs)


def test_a_dataset_link_opens_that_dataset_only(engine, users, two_datasets):
    shared_id, _other_id = two_datasets
    _, token = _link(engine, users, target_type="dataset", target_id=shared_id)
    with session_scope(engine) as session:
        content = shared_content(session, token)
        visitor, _ = visitor_for(session, token)
    assert content.kind == "dataset"
    assert content.title == "Shared cell"
    assert content.facts["cell"] == "CELL-SHARED"
    assert content.facts["cycles"] == 3
    assert content.figures, "the dataset's plots are part of the view"
    everything = repr(content)
    assert "Private cell" not in everything
    assert "CELL-PRIVATE" not in everything
    # the visitor reads this project only, and writes nothing at all
    with session_scope(engine) as session:
        other_project = projects.create_project(session, session.merge(users["outsider"]), name="Elsewhere").id
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        require_role(session, visitor, other_project, "viewer")
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        cycling.delete_dataset(session, visitor, shared_id)
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        tracking.create_experiment(session, visitor, users["project_id"], name="sneaky")


def test_a_link_cannot_reach_into_another_project(engine, users, two_datasets):
    with session_scope(engine) as session:
        outsider = session.merge(users["outsider"])
        elsewhere = projects.create_project(session, outsider, name="Elsewhere")
        with pytest.raises(projects.ProjectError, match="is not in project"):
            projects.create_share_link(session, outsider, elsewhere.id, target_type="dataset",
                                       target_id=two_datasets[0])
        with pytest.raises(projects.ProjectError, match="cannot share"):
            projects.create_share_link(session, outsider, elsewhere.id, target_type="user", target_id=1)


@pytest.mark.parametrize("days", [0, -1, float("nan"), float("inf"), 366, "soon"])
def test_expiry_must_be_a_positive_number_of_days(engine, users, days):
    with pytest.raises(projects.ProjectError, match="expires_in_days"):
        _link(engine, users, expires_in_days=days)


def test_links_expire_as_asked_and_stop_when_revoked(engine, users):
    short, short_token = _link(engine, users, expires_in_days=0.5)
    never, never_token = _link(engine, users, expires_in_days=None)
    with session_scope(engine) as session:
        assert shared_content(session, short_token).kind == "project"
        row = session.get(ShareLink, short.id)
        assert timedelta(hours=11.9) < row.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None) \
            < timedelta(hours=12.1)
        assert session.get(ShareLink, never.id).expires_at is None
        row.expires_at = utcnow() - timedelta(seconds=1)  # time passes
        session.add(row)
    with session_scope(engine) as session:
        with pytest.raises(ShareLinkInvalid):
            shared_content(session, short_token)
        projects.revoke_share_link(session, session.merge(users["editor"]), never.id)
    with session_scope(engine) as session, pytest.raises(ShareLinkInvalid):
        shared_content(session, never_token)
    with session_scope(engine) as session, pytest.raises(ShareLinkInvalid):
        shared_content(session, "not-a-token")


def test_links_stop_with_a_disabled_creator_or_an_archived_project(engine, users):
    _, token = _link(engine, users, expires_in_days=3)
    with session_scope(engine) as session:
        set_user_active(session, session.merge(users["admin"]), "owner", False)
    with session_scope(engine) as session, pytest.raises(ShareLinkInvalid):
        shared_content(session, token)
    with session_scope(engine) as session:
        set_user_active(session, session.merge(users["admin"]), "owner", True)
        assert shared_content(session, token).kind == "project"
        projects.set_project_archived(session, session.merge(users["owner"]), users["project_id"], True)
    with session_scope(engine) as session, pytest.raises(ShareLinkInvalid):
        shared_content(session, token)


def test_a_disabled_user_can_do_nothing(engine, users):
    with session_scope(engine) as session:
        set_user_active(session, None, "editor", False)  # the operator, from the command line
        set_user_active(session, None, "admin", False)
    with session_scope(engine) as session:
        # fresh rows (merge would copy the fixture's stale is_active=True back onto them)
        editor, admin = session.get(User, users["editor"].id), session.get(User, users["admin"].id)
        assert not editor.is_active
        assert not admin.is_active
        for call in (
            lambda: tracking.create_experiment(session, editor, users["project_id"], name="x"),
            lambda: projects.create_share_link(session, editor, users["project_id"]),
            lambda: projects.create_project(session, editor, name="mine"),
            lambda: sims.list_simulations(session, editor, users["project_id"]),
            lambda: projects.update_project(session, admin, users["project_id"], description="x"),
            lambda: add_user(session, admin, username="newbie", email="n@lab.example", name="N",
                             password="correct horse"),
            lambda: set_user_active(session, admin, "editor", True),
        ):
            with pytest.raises(PermissionDenied, match=r"disabled|no access"):
                call()
        assert projects.projects_for(session, editor) == []
        assert authenticate(session, "editor", "correct horse") is None
        assert "editor" not in authenticator_credentials(session)["usernames"]
        assert authenticate(session, "viewer", "correct horse") is not None


def test_share_visitor_is_not_a_user(engine, users):
    visitor = ShareVisitor(1, users["project_id"], "project", None)
    with session_scope(engine) as session, pytest.raises(PermissionDenied, match="sign in"):
        projects.create_project(session, visitor, name="x")
