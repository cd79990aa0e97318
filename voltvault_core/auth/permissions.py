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
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from voltvault_core.db.models import ROLES, AuditEvent, Project, ProjectMember, User

ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


class PermissionDenied(PermissionError):
    """The caller's role in the project does not allow the operation."""


class NotFound(LookupError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


@dataclass(frozen=True)
class ShareVisitor:
    """A logged-out visitor holding a live read-only share link (see :mod:`voltvault_core.sharing`).

    Reads of the link's project pass :func:`require_role` as ``viewer``; every write is refused, and
    nothing of any other project is readable. Which item of the project is shown is the share view's
    business: it renders only the linked one.
    """

    link_id: int
    project_id: int
    target_type: str
    target_id: int | None

    id = None
    is_admin = False
    is_active = True

    @property
    def username(self) -> str:
        return f"share link {self.link_id}"


def role_of(session: Session, actor: User | ShareVisitor | None, project_id: int) -> str | None:
    """The effective role of ``actor`` in a project, or ``None`` when they have no access."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id} does not exist")
    if actor is None:
        return "viewer" if project.is_demo else None
    if isinstance(actor, ShareVisitor):
        return "viewer" if actor.project_id == project_id else None
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
    who = ("an anonymous visitor" if actor is None else actor.username if isinstance(actor, ShareVisitor)
           else f"user {actor.username!r}")
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
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            actor = bound.arguments["actor"]
            if isinstance(actor, ShareVisitor):
                raise PermissionDenied(f"{actor.username} is read-only")
            if actor is not None and not actor.is_active:
                raise PermissionDenied(f"user {actor.username!r} is disabled and can do nothing")
            session = bound.arguments["session"]
            if project_arg is not None:
                require_role(session, actor, bound.arguments[project_arg], minimum_role)
            project_id = bound.arguments[project_arg] if project_arg else _project_of(session, bound)  # before a delete
            audits = session.info.setdefault(_AUDIT_KEY, [])
            first = len(audits)
            value = fn(*args, **kwargs)
            if not isinstance(project_id, int):
                project_id = getattr(value, "project_id", None)
            _complete_audit(session, actor, name, bound, value, audits[first:], project_id)
            return value

        wrapper.minimum_role = minimum_role  # type: ignore[attr-defined]
        WRITE_SERVICES[name] = WriteService(name, minimum_role, wrapper)
        return wrapper

    return decorate


# --------------------------------------------------------------------------------------------------
# The audit trail of write services: every call leaves a row saying who did what with which parameters.
# --------------------------------------------------------------------------------------------------
_AUDIT_KEY = "voltvault.audit_events"
_NOT_PARAMETERS = {"session", "actor", "runner", "progress"}
_SECRET_WORDS = ("password", "token", "secret")


@event.listens_for(OrmSession, "transient_to_pending")
def _note_audit_event(session, instance) -> None:
    if isinstance(instance, AuditEvent):
        session.info.setdefault(_AUDIT_KEY, []).append(instance)


def audit_parameters(value: Any, depth: int = 0) -> Any:
    """A small JSON-safe record of a service argument (bytes by size, long text cut, secrets left out)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + f"... ({len(value)} characters)"
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": len(value)}
    if depth >= 3:
        return type(value).__name__
    if isinstance(value, dict):
        items = list(value.items())[:50]
        return {str(k): ("<hidden>" if any(w in str(k).lower() for w in _SECRET_WORDS) else
                         audit_parameters(v, depth + 1)) for k, v in items}
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        out = [audit_parameters(v, depth + 1) for v in items[:50]]
        return [*out, f"... {len(items) - 50} more"] if len(items) > 50 else out
    if hasattr(value, "to_dict") and callable(value.to_dict):  # designs and other documents
        try:
            return audit_parameters(value.to_dict(), depth + 1)
        except Exception:  # a document that cannot describe itself is named by its type
            pass
    return type(value).__name__


def _complete_audit(session, actor, name: str, bound, value, events: list, project_id: int | None) -> None:
    """Attach the call's parameters to the rows the service wrote, or write one if it wrote none."""
    parameters = {
        key: "<hidden>" if any(w in key.lower() for w in _SECRET_WORDS) else audit_parameters(arg)
        for key, arg in bound.arguments.items() if key not in _NOT_PARAMETERS
    }
    if events:
        for row in events:
            if "parameters" not in (row.details or {}):
                row.details = {**(row.details or {}), "service": name, "parameters": parameters}
        return
    target = value[0] if isinstance(value, tuple) and value else value
    target_id = getattr(target, "id", None) if target is not None and not isinstance(target, int | str) else None
    module, _, function = name.rpartition(".")
    session.add(AuditEvent(
        project_id=project_id if isinstance(project_id, int) else None,
        user_id=getattr(actor, "id", None),
        action=f"{module.removeprefix('voltvault_core.').removesuffix('.service').split('.')[-1]}.{function}",
        target_type=type(target).__name__.lower() if target_id is not None else "",
        target_id=target_id if isinstance(target_id, int) else None,
        details={"service": name, "parameters": parameters},
    ))


def _project_of(session, bound) -> int | None:
    """The project a service given an object id (a job, a dataset, ...) acts in, for its audit row."""
    from voltvault_core.db import models

    by_argument = {"job_id": models.Job, "dataset_id": models.CyclingDataset, "link_id": models.ShareLink,
                   "measurement_id": models.EISMeasurement, "experiment_id": models.Experiment,
                   "simulation_id": models.Simulation, "design_id": models.CellDesign}
    for argument, model in by_argument.items():
        if isinstance(bound.arguments.get(argument), int):
            row = session.get(model, bound.arguments[argument])
            if row is not None and isinstance(getattr(row, "project_id", None), int):
                return row.project_id
    return None
