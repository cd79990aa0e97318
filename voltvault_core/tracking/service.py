"""Experiment records. Each write is audited, so the project's history says who did what, when."""

from __future__ import annotations

from sqlmodel import Session, col, select

from voltvault_core.auth.permissions import NotFound, require_role, write_service
from voltvault_core.db.models import Experiment, User, utcnow
from voltvault_core.projects import audit

EXPERIMENT_STATUSES = ("draft", "completed", "reviewed")


class ExperimentError(ValueError):
    """An experiment field is invalid; the message names it."""


def _check(name: str | None, status: str | None) -> None:
    if name is not None and not name.strip():
        raise ExperimentError("an experiment needs a name")
    if status is not None and status not in EXPERIMENT_STATUSES:
        raise ExperimentError(f"status {status!r} is not one of {', '.join(EXPERIMENT_STATUSES)}")


@write_service("editor")
def create_experiment(session: Session, actor: User, project_id: int, *, name: str, hypothesis: str = "",
                      tags: list[str] | None = None, notes: str = "", linked_simulations: list[int] | None = None,
                      linked_datasets: list[int] | None = None) -> Experiment:
    _check(name, None)
    experiment = Experiment(project_id=project_id, name=name.strip(), hypothesis=hypothesis, tags=tags or [],
                            notes=notes, linked_simulations=linked_simulations or [],
                            linked_datasets=linked_datasets or [], created_by=actor.id)
    session.add(experiment)
    session.flush()
    audit(session, actor, "experiment.create", project_id=project_id, target_type="experiment",
          target_id=experiment.id)
    return experiment


@write_service("editor", project_arg=None)
def update_experiment(session: Session, actor: User, experiment_id: int, **changes) -> Experiment:
    experiment = session.get(Experiment, experiment_id)
    if experiment is None:
        raise NotFound(f"experiment {experiment_id} does not exist")
    require_role(session, actor, experiment.project_id, "editor")
    allowed = {"name", "hypothesis", "tags", "notes", "conclusions", "status", "linked_simulations",
               "linked_datasets"}
    unknown = set(changes) - allowed
    if unknown:
        raise ExperimentError(f"cannot change {', '.join(sorted(unknown))}; fields are {', '.join(sorted(allowed))}")
    _check(changes.get("name"), changes.get("status"))
    for key, value in changes.items():
        setattr(experiment, key, value.strip() if key == "name" else value)
    experiment.updated_at = utcnow()
    session.add(experiment)
    audit(session, actor, "experiment.update", project_id=experiment.project_id, target_type="experiment",
          target_id=experiment_id, fields=sorted(changes))
    return experiment


def list_experiments(session: Session, actor: User | None, project_id: int) -> list[Experiment]:
    require_role(session, actor, project_id, "viewer")
    return list(session.exec(select(Experiment).where(Experiment.project_id == project_id)
                             .order_by(col(Experiment.updated_at).desc())).all())
