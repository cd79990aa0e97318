"""Projects, members and roles, comments, read-only share links and the audit trail."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from sqlmodel import Session, col, select

from voltvault_core.auth.permissions import NotFound, PermissionDenied, require_role, role_of, write_service
from voltvault_core.db.models import (
    ROLES,
    AuditEvent,
    CellDesign,
    Comment,
    CyclingDataset,
    EISMeasurement,
    Experiment,
    Job,
    Project,
    ProjectMember,
    ShareLink,
    Simulation,
    User,
    utcnow,
)

MAX_SHARE_DAYS = 365
COMMENT_TARGETS = ("project", "simulation", "dataset", "design", "experiment", "eis_fit", "eis_measurement")


class ProjectError(ValueError):
    """A project operation was given a bad value; the message names it."""


def audit(session: Session, actor: User | None, action: str, *, project_id=None, target_type="", target_id=None,
          **details) -> None:
    session.add(AuditEvent(project_id=project_id, user_id=actor.id if actor else None, action=action,
                           target_type=target_type, target_id=target_id, details=details or None))


def create_project(session: Session, actor: User, *, name: str, description: str = "", chemistry_tag: str = "",
                   is_demo: bool = False) -> Project:
    """Any signed-in user may start a project; they become its owner."""
    if actor is None or not isinstance(actor, User):
        raise PermissionDenied("sign in to create a project")
    if not actor.is_active:
        raise PermissionDenied(f"user {actor.username!r} is disabled and can do nothing")
    if not name.strip():
        raise ProjectError("a project needs a name")
    if is_demo and not actor.is_admin:
        raise PermissionDenied("only administrators mark a project as the public demo")
    project = Project(org_id=actor.org_id, name=name.strip(), description=description, chemistry_tag=chemistry_tag,
                      is_demo=is_demo, created_by=actor.id)
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=actor.id, role="owner"))
    audit(session, actor, "project.create", project_id=project.id, target_type="project", target_id=project.id)
    return project


@write_service("editor")
def update_project(session: Session, actor: User, project_id: int, *, name: str | None = None,
                   description: str | None = None, chemistry_tag: str | None = None) -> Project:
    project = session.get(Project, project_id)
    if name is not None:
        if not name.strip():
            raise ProjectError("a project needs a name")
        project.name = name.strip()
    if description is not None:
        project.description = description
    if chemistry_tag is not None:
        project.chemistry_tag = chemistry_tag
    project.updated_at = utcnow()
    session.add(project)
    audit(session, actor, "project.update", project_id=project_id, target_type="project", target_id=project_id)
    return project


@write_service("owner")
def set_project_archived(session: Session, actor: User, project_id: int, archived: bool = True) -> Project:
    project = session.get(Project, project_id)
    project.status = "archived" if archived else "active"
    project.updated_at = utcnow()
    session.add(project)
    audit(session, actor, "project.archive" if archived else "project.restore", project_id=project_id)
    return project


@write_service("owner")
def set_member_role(session: Session, actor: User, project_id: int, *, username: str, role: str) -> ProjectMember:
    """Add a member or change their role (owner only)."""
    if role not in ROLES:
        raise ProjectError(f"role {role!r} is not one of {', '.join(ROLES)}")
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise ProjectError(f"no user named {username!r}; an administrator adds users first")
    member = session.exec(
        select(ProjectMember).where(ProjectMember.project_id == project_id, ProjectMember.user_id == user.id)
    ).first()
    if member is not None and member.role == "owner" and role != "owner" and _owner_count(session, project_id) == 1:
        raise ProjectError(f"{username!r} is the last owner of the project; make someone else owner first")
    if member is None:
        member = ProjectMember(project_id=project_id, user_id=user.id, role=role)
    member.role = role
    session.add(member)
    audit(session, actor, "member.set_role", project_id=project_id, target_type="user", target_id=user.id, role=role)
    return member


@write_service("owner")
def remove_member(session: Session, actor: User, project_id: int, *, username: str) -> None:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    member = user and session.exec(
        select(ProjectMember).where(ProjectMember.project_id == project_id, ProjectMember.user_id == user.id)
    ).first()
    if not member:
        raise ProjectError(f"{username!r} is not a member of project {project_id}")
    if member.role == "owner" and _owner_count(session, project_id) == 1:
        raise ProjectError(f"{username!r} is the last owner of the project")
    session.delete(member)
    audit(session, actor, "member.remove", project_id=project_id, target_type="user", target_id=user.id)


def _owner_count(session: Session, project_id: int) -> int:
    return len(session.exec(select(ProjectMember).where(ProjectMember.project_id == project_id,
                                                        ProjectMember.role == "owner")).all())


@write_service("commenter")
def add_comment(session: Session, actor: User, project_id: int, *, target_type: str, body: str,
                target_id: int | None = None) -> Comment:
    if target_type not in COMMENT_TARGETS:
        raise ProjectError(f"cannot comment on {target_type!r}; targets are {', '.join(COMMENT_TARGETS)}")
    if not body.strip():
        raise ProjectError("the comment is empty")
    comment = Comment(project_id=project_id, target_type=target_type, target_id=target_id, body=body.strip(),
                      created_by=actor.id)
    session.add(comment)
    audit(session, actor, "comment.add", project_id=project_id, target_type=target_type, target_id=target_id)
    return comment


def list_comments(session: Session, actor: User | None, project_id: int, *, target_type: str,
                  target_id: int | None = None) -> list[Comment]:
    """The comments on one item of a project, oldest first (viewer or higher)."""
    require_role(session, actor, project_id, "viewer")
    query = select(Comment).where(Comment.project_id == project_id, Comment.target_type == target_type,
                                  Comment.target_id == target_id)
    return list(session.exec(query.order_by(col(Comment.created_at), col(Comment.id))).all())


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@write_service("editor")
def create_share_link(session: Session, actor: User, project_id: int, *, target_type: str = "project",
                      target_id: int | None = None, expires_in_days: float | None = 30) -> tuple[ShareLink, str]:
    """A read-only link to one item of the project (or the whole project), valid ``expires_in_days``.

    Returns the row and the token, which is shown once and stored only as a hash. ``expires_in_days``
    is a positive number of days up to :data:`MAX_SHARE_DAYS`; ``None`` asks for a link that never
    expires. The item must belong to the project (a link cannot reach into another project).
    """
    from voltvault_core.sharing import check_target

    if expires_in_days is not None:
        try:
            days = float(expires_in_days)
        except (TypeError, ValueError):
            raise ProjectError(f"expires_in_days must be a number of days, got {expires_in_days!r}") from None
        if not (0 < days <= MAX_SHARE_DAYS):  # also refuses NaN; 0 days is not "never"
            raise ProjectError(f"expires_in_days must be more than 0 and at most {MAX_SHARE_DAYS} days, "
                               f"got {expires_in_days!r} (None: a link that never expires)")
    check_target(session, project_id, target_type, target_id)
    token = secrets.token_urlsafe(24)
    link = ShareLink(project_id=project_id, token_hash=_token_hash(token), target_type=target_type,
                     target_id=target_id if target_type != "project" else None, created_by=actor.id,
                     expires_at=None if expires_in_days is None else utcnow() + timedelta(days=days))
    session.add(link)
    session.flush()
    audit(session, actor, "share.create", project_id=project_id, target_type="share_link", target_id=link.id,
          shared=f"{target_type} {link.target_id or project_id}", expires_at=str(link.expires_at))
    return link, token


@write_service("editor", project_arg=None)
def revoke_share_link(session: Session, actor: User, link_id: int) -> ShareLink:
    link = session.get(ShareLink, link_id)
    if link is None:
        raise NotFound(f"share link {link_id} does not exist")
    require_role(session, actor, link.project_id, "editor")
    link.revoked_at = utcnow()
    session.add(link)
    audit(session, actor, "share.revoke", project_id=link.project_id, target_type="share_link", target_id=link_id)
    return link


def resolve_share_link(session: Session, token: str) -> ShareLink | None:
    """The live link behind a token, or ``None`` if unknown, revoked or expired."""
    link = session.exec(select(ShareLink).where(ShareLink.token_hash == _token_hash(token))).first()
    if link is None or link.revoked_at is not None:
        return None
    if link.expires_at is not None:
        expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=UTC)
        if expires <= utcnow():
            return None
    return link


def projects_for(session: Session, actor: User | None, *, include_archived: bool = False) -> list[Project]:
    """The projects a user can see (all of their org's for admins; the demo ones for anonymous visitors)."""
    if actor is not None and not actor.is_active:
        return []
    query = select(Project)
    if not include_archived:
        query = query.where(Project.status == "active")
    if actor is None:
        query = query.where(Project.is_demo == True)  # noqa: E712
    elif not actor.is_admin:
        member_of = select(ProjectMember.project_id).where(ProjectMember.user_id == actor.id)
        query = query.where((col(Project.id).in_(member_of)) | (Project.is_demo == True))  # noqa: E712
    else:
        query = query.where((Project.org_id == actor.org_id) | (Project.is_demo == True))  # noqa: E712
    return list(session.exec(query.order_by(col(Project.updated_at).desc())).all())


def get_project(session: Session, actor: User | None, project_id: int) -> Project:
    require_role(session, actor, project_id, "viewer")
    return session.get(Project, project_id)


def project_overview(session: Session, actor: User | None, project_id: int) -> dict:
    """Counts and recent items for the dashboard cards."""
    require_role(session, actor, project_id, "viewer")

    def count(model) -> int:
        return len(session.exec(select(model.id).where(model.project_id == project_id)).all())

    running = session.exec(select(Job).where(Job.project_id == project_id,
                                             col(Job.status).in_(("queued", "running")))).all()
    experiments = session.exec(select(Experiment).where(Experiment.project_id == project_id)
                               .order_by(col(Experiment.updated_at).desc()).limit(5)).all()
    return {
        "role": role_of(session, actor, project_id),
        "running_jobs": len(running),
        "designs": count(CellDesign),
        "simulations": count(Simulation),
        "datasets": count(CyclingDataset),
        "eis_measurements": count(EISMeasurement),
        "experiments": count(Experiment),
        "recent_experiments": [{"id": e.id, "name": e.name, "status": e.status} for e in experiments],
    }
