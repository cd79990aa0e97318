"""Following a job from a page without blocking it (the jobs contract, :mod:`voltvault_core.jobs`).

A page submits a job and keeps only its id under a session key; :func:`follow_job` then shows the job's
progress from its row (a fragment that rereads it every :data:`POLL_S` seconds, so the rest of the page
stays usable and the user may leave), and once the row says ``completed`` returns the result, read from
the artifact the worker stored. Nothing waits on ``runner.result(...)``.

    if st.button("Run"):
        st.session_state["t3d.job"] = runner.submit(...)
    result = follow_job("t3d.job", ctx.engine, label="3D thermal run")
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from voltvault_core.jobs import store
from voltvault_core.jobs.results import load_job_result

POLL_S = 1.0  # how often an unfinished job's row is read [s]
_FINISHED = ("completed", "failed", "cancelled")


def _result_key(key: str) -> str:
    return f"{key}.result"


def follow_job(key: str, engine: Engine, *, label: str) -> Any | None:
    """The result of the job whose id is in ``st.session_state[key]``, once it has completed.

    While the job is queued or running, a progress bar shows its row's progress and message and
    ``None`` is returned; when it finishes the page reruns and the result (kept under ``key + ".result"``
    until the next job) is returned. A failed or cancelled job shows its error and returns ``None``.
    Without a job id, the last result (or ``None``) is returned.
    """
    job_id = st.session_state.get(key)
    if job_id is None:
        return st.session_state.get(_result_key(key))
    row = store.read_job_row(engine, int(job_id))
    if row is None:
        st.session_state.pop(key, None)
        st.error(f"{label}: job {job_id} no longer exists")
        return None
    status = str(getattr(row.status, "value", row.status))
    if status == "completed":
        result = load_job_result(engine, int(job_id))
        st.session_state[_result_key(key)] = result
        st.session_state.pop(key, None)
        return result
    if status in _FINISHED:
        st.session_state.pop(key, None)
        st.error(f"{label} {status}: {row.error or 'no message'}")
        return None
    _progress(key, engine, label)
    return None


@st.fragment(run_every=POLL_S)
def _progress(key: str, engine: Engine, label: str) -> None:
    job_id = st.session_state.get(key)
    row = store.read_job_row(engine, int(job_id)) if job_id is not None else None
    if row is None or str(getattr(row.status, "value", row.status)) in _FINISHED:
        st.rerun()  # the whole page, which then shows the result or the error
    st.progress(min(1.0, float(row.progress or 0.0)), text=f"{label}: {row.message or row.status}")
    st.caption("You can leave this page: the job goes on, and its result is kept.")
