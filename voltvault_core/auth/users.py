"""User accounts: creation (CLI and first-run), lookup, and the credentials streamlit-authenticator reads."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from voltvault_core.auth.passwords import hash_password, verify_password
from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.db.models import AuditEvent, Organization, User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_ORG_SLUG = "default"


class UserError(ValueError):
    """A user could not be created or changed; the message says which field was wrong."""


def default_organization(session: Session) -> Organization:
    org = session.exec(select(Organization).where(Organization.slug == DEFAULT_ORG_SLUG)).first()
    if org is None:
        org = Organization(name="My lab", slug=DEFAULT_ORG_SLUG)
        session.add(org)
        session.flush()
    return org


def has_users(session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is not None


def get_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username.strip().lower())).first()


def _create(session: Session, *, username: str, email: str, name: str, password: str, is_admin: bool) -> User:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise UserError(
            f"username {username!r}: use 2-40 characters, lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if not EMAIL_RE.match(email.strip()):
        raise UserError(f"email {email!r} is not an e-mail address")
    if not name.strip():
        raise UserError("name is empty")
    if get_user(session, username) is not None:
        raise UserError(f"username {username!r} is taken")
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise UserError(f"password: {exc}") from exc
    org = default_organization(session)
    user = User(
        org_id=org.id, username=username, email=email.strip(), name=name.strip(), password_hash=password_hash,
        is_admin=is_admin,
    )
    session.add(user)
    try:
        with session.begin_nested():  # a concurrent add of the same name: a clear error, not the SQL
            session.flush()
    except IntegrityError:
        raise UserError(f"username {username!r} is taken") from None
    session.add(AuditEvent(user_id=user.id, action="user.create", target_type="user", target_id=user.id,
                           details={"username": username, "is_admin": is_admin}))
    return user


def create_first_admin(session: Session, *, username: str, email: str, name: str, password: str) -> User:
    """The first-run path: only allowed while the installation has no user at all."""
    if has_users(session):
        raise PermissionDenied("an administrator exists already; ask them to add your account")
    return _create(session, username=username, email=email, name=name, password=password, is_admin=True)


def add_user(
    session: Session, actor: User | None, *, username: str, email: str, name: str, password: str,
    is_admin: bool = False,
) -> User:
    """Add a user. ``actor=None`` is the operator at the command line (``voltvault user add``)."""
    _require_active_admin(actor, "add users")
    return _create(session, username=username, email=email, name=name, password=password, is_admin=is_admin)


def _require_active_admin(actor: User | None, what: str) -> None:
    """``actor=None`` is the operator at the command line; anyone else must be an active administrator."""
    if actor is None:
        return
    if not actor.is_active:
        raise PermissionDenied(f"user {actor.username!r} is disabled and can do nothing")
    if not actor.is_admin:
        raise PermissionDenied(f"user {actor.username!r} is not an administrator; only administrators {what}")


def set_user_active(session: Session, actor: User | None, username: str, active: bool) -> User:
    """Disable (or re-enable) an account. A disabled user cannot sign in and every service refuses them."""
    _require_active_admin(actor, "disable or enable accounts")
    user = get_user(session, username)
    if user is None:
        raise UserError(f"no user named {username!r}")
    if actor is not None and user.id == actor.id and not active:
        raise UserError("you cannot disable your own account; ask another administrator")
    user.is_active = active
    session.add(user)
    session.add(AuditEvent(user_id=actor.id if actor else None, action="user.enable" if active else "user.disable",
                           target_type="user", target_id=user.id, details={"username": user.username}))
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = get_user(session, username)
    if user is None or not user.is_active or not verify_password(password, user.password_hash):
        return None
    return user


def authenticator_credentials(session: Session) -> dict:
    """The credentials dict streamlit-authenticator expects, built from the database (hashes only)."""
    users = session.exec(select(User).where(User.is_active == True)).all()  # noqa: E712
    return {
        "usernames": {
            u.username: {
                "email": u.email,
                "name": u.name,
                "password": u.password_hash,
                "roles": ["admin"] if u.is_admin else ["user"],
                "failed_login_attempts": 0,
                "logged_in": False,
            }
            for u in users
        }
    }
