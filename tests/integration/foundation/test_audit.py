"""Audit trail: every registered write service, called as it is in the role matrix, leaves a row saying
who did what with which parameters, in the same transaction as the change."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select
from test_roles import EXAMPLES, _import_every_core_module

from voltvault_core.auth.permissions import WRITE_SERVICES
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import AuditEvent


def test_the_audit_walk_covers_the_whole_registry():
    _import_every_core_module()
    assert set(WRITE_SERVICES) <= set(EXAMPLES), sorted(set(WRITE_SERVICES) - set(EXAMPLES))


@pytest.mark.parametrize("service_name", sorted(EXAMPLES))
def test_every_write_service_writes_an_audit_row(engine, users, service_name):
    # The examples set up their objects as the owner; the call under test runs as the administrator,
    # so the rows it writes are told apart from the set-up's by who wrote them.
    with session_scope(engine) as session:
        admin = session.merge(users["admin"])
        last = session.exec(select(func.max(AuditEvent.id))).one() or 0
        EXAMPLES[service_name](session, admin, users)
    with session_scope(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.id > last, AuditEvent.user_id == admin.id)).all()
    assert rows, f"{service_name} wrote no audit row"
    # a service that calls another one (fit_measurement -> save_fit) may leave the inner one's row
    mine = [r for r in rows if str((r.details or {}).get("service", "")).startswith(service_name.rsplit(".", 1)[0])]
    assert mine, f"{service_name}: no audit row names the service ({[r.action for r in rows]})"
    assert all(r.action for r in mine)
    assert all(isinstance(r.details.get("parameters"), dict) for r in mine)
    assert any(r.project_id == users["project_id"] for r in mine), f"{service_name}: audit row has no project"


def test_audit_rows_keep_parameters_but_not_secrets(engine, users):
    from voltvault_core import projects

    with session_scope(engine) as session:
        owner = session.merge(users["owner"])
        projects.update_project(session, owner, users["project_id"], description="x" * 500)
        projects.create_share_link(session, owner, users["project_id"], expires_in_days=2)
    with session_scope(engine) as session:
        update = session.exec(select(AuditEvent).where(AuditEvent.action == "project.update")).one()
        share = session.exec(select(AuditEvent).where(AuditEvent.action == "share.create")).one()
    assert update.details["parameters"]["project_id"] == users["project_id"]
    assert update.details["parameters"]["description"].endswith("(500 characters)")
    assert share.details["parameters"]["expires_in_days"] == 2
    assert "token" not in str(share.details).lower() or "<hidden>" in str(share.details)
