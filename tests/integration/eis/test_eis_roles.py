"""Role matrix for the EIS write services (same rules as tests/integration/foundation/test_roles.py; these
examples are the ones to add to its EXAMPLES dict)."""

from __future__ import annotations

import pytest

from voltvault_core.auth.permissions import ROLE_RANK, WRITE_SERVICES, PermissionDenied
from voltvault_core.db.engine import session_scope
from voltvault_core.eis import service as eis
from voltvault_core.eis.fitting import fit_circuit
from voltvault_core.eis.readers import read_spectra

EIS_CSV = b"1000,1.0,-0.1\n100,1.2,-0.4\n10,1.6,-0.5\n1,2.0,-0.3\n0.1,2.2,-0.2\n"


def _eis_measurement(session, users):
    return eis.import_measurements(
        session, users["owner"], users["project_id"], data=EIS_CSV, filename="x.csv"
    )[0].id


EXAMPLES = {
    "voltvault_core.eis.service.import_measurements": lambda s, a, u: eis.import_measurements(
        s, a, u["project_id"], data=EIS_CSV, filename="x.csv"
    ),
    "voltvault_core.eis.service.fit_measurement": lambda s, a, u: eis.fit_measurement(
        s, a, _eis_measurement(s, u), circuit="R0-p(R1,C1)"
    ),
    "voltvault_core.eis.service.save_fit": lambda s, a, u: eis.save_fit(
        s, a, _eis_measurement(s, u), fit_circuit(read_spectra(EIS_CSV, "x.csv")[0], "R0-p(R1,C1)")
    ),
}
ACTORS = ["owner", "editor", "commenter", "viewer", "outsider", "anonymous", "admin"]


def _expected(actor, minimum):
    effective = {"admin": "owner", "outsider": None, "anonymous": None}.get(actor, actor)
    return effective is not None and ROLE_RANK[effective] >= ROLE_RANK[minimum]


def test_all_eis_services_listed():
    assert {k for k in WRITE_SERVICES if k.startswith("voltvault_core.eis")} == set(EXAMPLES)


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
            session.rollback()
    assert outcomes == {a: _expected(a, service.minimum_role) for a in ACTORS}
