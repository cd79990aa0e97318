"""Role matrix: every registered write service, called by every role, is allowed or refused in the core.

Each service needs an example call below; a new write service without one fails
``test_every_write_service_has_an_example``, so no service escapes the matrix.
"""

from __future__ import annotations

import pytest

from voltvault_core.auth.permissions import ROLE_RANK, WRITE_SERVICES, PermissionDenied
from voltvault_core.db.engine import session_scope

from voltvault_core import projects
from voltvault_core.tracking import service as tracking


def _experiment(session, users):
    return tracking.create_experiment(session, users["owner"], users["project_id"], name="baseline").id


def _share_link(session, users):
    return projects.create_share_link(session, users["owner"], users["project_id"])[0].id


# service name -> callable(session, actor, users) making one realistic call
EXAMPLES = {
    "voltvault_core.projects.update_project":
        lambda s, a, u: projects.update_project(s, a, u["project_id"], description="new"),
    "voltvault_core.projects.set_project_archived":
        lambda s, a, u: projects.set_project_archived(s, a, u["project_id"], archived=True),
    "voltvault_core.projects.set_member_role":
        lambda s, a, u: projects.set_member_role(s, a, u["project_id"], username="outsider", role="viewer"),
    "voltvault_core.projects.remove_member":
        lambda s, a, u: projects.remove_member(s, a, u["project_id"], username="viewer"),
    "voltvault_core.projects.add_comment":
        lambda s, a, u: projects.add_comment(s, a, u["project_id"], target_type="project", body="looks good"),
    "voltvault_core.projects.create_share_link":
        lambda s, a, u: projects.create_share_link(s, a, u["project_id"]),
    "voltvault_core.projects.revoke_share_link":
        lambda s, a, u: projects.revoke_share_link(s, a, _share_link(s, u)),
    "voltvault_core.tracking.service.create_experiment":
        lambda s, a, u: tracking.create_experiment(s, a, u["project_id"], name="run 1"),
    "voltvault_core.tracking.service.update_experiment":
        lambda s, a, u: tracking.update_experiment(s, a, _experiment(s, u), notes="x"),
}

ACTORS = ["owner", "editor", "commenter", "viewer", "outsider", "anonymous", "admin"]


def test_every_write_service_has_an_example():
    missing = sorted(set(WRITE_SERVICES) - set(EXAMPLES))
    assert not missing, f"add role-matrix examples for: {missing}"


def _expected(actor: str, minimum: str) -> bool:
    effective = {"admin": "owner", "outsider": None, "anonymous": None}.get(actor, actor)
    return effective is not None and ROLE_RANK[effective] >= ROLE_RANK[minimum]


@pytest.mark.parametrize("service_name", sorted(EXAMPLES))
def test_role_matrix(engine, users, service_name):
    service = WRITE_SERVICES[service_name]
    outcomes = {}
    for actor_name in ACTORS:
        with session_scope(engine) as session:
            actor = None if actor_name == "anonymous" else session.merge(users[actor_name])
            try:
                EXAMPLES[service_name](session, actor, users)
                outcomes[actor_name] = True
            except PermissionDenied:
                outcomes[actor_name] = False
            session.rollback()  # each call starts from the same state
    expected = {a: _expected(a, service.minimum_role) for a in ACTORS}
    assert outcomes == expected, f"{service_name} needs {service.minimum_role}"
