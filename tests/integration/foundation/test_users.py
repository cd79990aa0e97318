"""Accounts: first-run admin, CLI user creation, authentication, bad input named."""

from __future__ import annotations

import pytest

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.auth.users import (
    UserError,
    add_user,
    authenticate,
    authenticator_credentials,
    create_first_admin,
    has_users,
)
from voltvault_core.db.engine import session_scope
from voltvault_core.projects import create_share_link, projects_for, resolve_share_link, revoke_share_link


def test_first_run_creates_one_admin_only(engine):
    with session_scope(engine) as session:
        assert not has_users(session)
        admin = create_first_admin(session, username="Ada", email="ada@lab.example", name="Ada", password="s3cret-pass")
        assert admin.is_admin
        assert admin.username == "ada"
    with session_scope(engine) as session, pytest.raises(PermissionDenied, match="exists already"):
        create_first_admin(session, username="eve", email="eve@lab.example", name="Eve", password="s3cret-pass")


def test_passwords_are_bcrypt_hashes_and_authenticate(engine):
    with session_scope(engine) as session:
        add_user(session, None, username="bob", email="bob@lab.example", name="Bob", password="correct horse")
    with session_scope(engine) as session:
        creds = authenticator_credentials(session)["usernames"]["bob"]
        assert creds["password"].startswith("$2")
        assert "correct horse" not in creds["password"]
        assert authenticate(session, "bob", "correct horse") is not None
        assert authenticate(session, "bob", "wrong horse") is None
        assert authenticate(session, "nobody", "correct horse") is None


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("username", {"username": "a b"}, "username"),
        ("email", {"email": "not-an-address"}, "email"),
        ("password", {"password": "short"}, "password"),
        ("name", {"name": "  "}, "name"),
    ],
)
def test_bad_user_input_is_named(engine, field, kwargs, message):
    args = {"username": "carol", "email": "carol@lab.example", "name": "Carol", "password": "long enough"} | kwargs
    with session_scope(engine) as session, pytest.raises(UserError, match=message):
        add_user(session, None, **args)


def test_only_admins_add_users(engine, users):
    with session_scope(engine) as session, pytest.raises(PermissionDenied, match="not an administrator"):
        add_user(session, users["editor"], username="zed", email="z@lab.example", name="Z", password="long enough")


def test_project_visibility_and_share_links(engine, users):
    with session_scope(engine) as session:
        assert [p.name for p in projects_for(session, users["viewer"])] == ["Cell A"]
        assert projects_for(session, users["outsider"]) == []
        assert projects_for(session, None) == []
        link, token = create_share_link(session, users["editor"], users["project_id"], expires_in_days=1)
    with session_scope(engine) as session:
        assert resolve_share_link(session, token).id == link.id
        assert resolve_share_link(session, token + "x") is None
        revoke_share_link(session, users["owner"], link.id)
    with session_scope(engine) as session:
        assert resolve_share_link(session, token) is None
