"""Project roles, checked inside every core write service (not only in the pages).

Roles rank ``viewer < commenter < editor < owner``. A site administrator (``User.is_admin``) acts as
owner of every project of their organisation. An anonymous caller (``actor=None``: demo mode or a share
link) may read demo projects and nothing else.

Write services are declared with :func:`write_service`, which performs the check before the body runs
and registers the service so the role-matrix test covers every one of them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from voltvault_core.db.models import ROLES, Project, ProjectMember, User

ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


class PermissionDenied(PermissionError):
    """The caller's role in the project does not allow the operation."""


class NotFound(LookupError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


def role_of(session: Session, actor: User | None, project_id: int) -> str | None:
    """The effective role of ``actor`` in a project, or ``None`` when they have no access."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id} does not exist")
    if actor is None:
        return "viewer" if project.is_demo else None
    if not actor.is_active:
        return None
    if actor.is_admin and actor.org_id == project.org_id:
        return "owner"
    member = session.exec(
        select(ProjectMember).where(ProjectMember.project_id == project_id, ProjectMember.user_id == actor.id)
    ).first()
    if member is not None:
        return member.role
    if project.is_demo:
        return "viewer"
    return None


def require_role(session: Session, actor: User | None, project_id: int, minimum: str) -> str:
    """Raise :class:`PermissionDenied` unless ``actor`` holds at least ``minimum`` in the project."""
    if minimum not in ROLE_RANK:
        raise ValueError(f"unknown role {minimum!r}; roles are {', '.join(ROLES)}")
    role = role_of(session, actor, project_id)
    who = "an anonymous visitor" if actor is None else f"user {actor.username!r}"
    if role is None:
        raise PermissionDenied(f"{who} has no access to project {project_id}")
    if ROLE_RANK[role] < ROLE_RANK[minimum]:
        raise PermissionDenied(f"{who} is {role} in project {project_id}; this needs {minimum} or higher")
    return role


@dataclass(frozen=True)
class WriteService:
    name: str
    minimum_role: str
    function: Callable[..., Any]


WRITE_SERVICES: dict[str, WriteService] = {}


def write_service(minimum_role: str = "editor", *, project_arg: str = "project_id"):
    """Declare a core write service ``fn(session, actor, ..., project_id, ...)``.

    The role check runs before the body, so no page can forget it; the project id is the argument named
    ``project_arg``. A service that acts on an object (a dataset, a fit) and must look its project up
    first passes ``project_arg=None`` and calls :func:`require_role` itself; it is still registered, so
    the role-matrix test covers it.
    """
    if minimum_role not in ROLE_RANK:
        raise ValueError(f"unknown role {minimum_role!r}")

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        params = list(signature.parameters)
        if params[:2] != ["session", "actor"]:
            raise TypeError(f"write service {fn.__qualname__} must start with (session, actor, ...)")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if project_arg is not None:
                bound = signature.bind(*args, **kwargs)
                require_role(
                    bound.arguments["session"], bound.arguments["actor"], bound.arguments[project_arg], minimum_role
                )
            return fn(*args, **kwargs)

        wrapper.minimum_role = minimum_role  # type: ignore[attr-defined]
        name = f"{fn.__module__}.{fn.__qualname__}"
        WRITE_SERVICES[name] = WriteService(name, minimum_role, wrapper)
        return wrapper

    return decorate
