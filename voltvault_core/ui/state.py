"""Widget values that survive page changes and reruns.

Streamlit deletes the session state of every widget that is not rendered on a run: going to another
page and back (or hiding a widget behind a format switch) throws a user's unsaved inputs away, and the
widget then comes back at its minimum value. A page keeps them by calling :func:`restore` with its
widgets' keys before it renders them, and :func:`remember` after: the values live in one non-widget key
(``"vv.kept"``), which Streamlit never cleans up, and re-seed the widgets' keys when those are gone::

    KEPT = ("design.pos_thickness_um", "design.format")
    restore(KEPT)
    st.number_input("Thickness [µm]", 1.0, 2000.0, key="design.pos_thickness_um")
    ...
    remember(KEPT)

Only value widgets belong in the list (inputs, selects, sliders, toggles): Streamlit refuses to set a
button's or an uploader's state.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

KEPT_KEY = "vv.kept"
RENDERED = "__rendered__"  # inside the store: the kept keys whose widgets the last remember() saw drawn


def _rendered_this_run() -> set[str] | None:
    """User keys of the widgets drawn so far in this run (None where this Streamlit does not say)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    shared = getattr(ctx, "shared", ctx)  # Streamlit >= 1.5x keeps it on a shared run state
    keys = getattr(shared, "widget_user_keys_this_run", None)
    if keys is None:
        return None
    return set(keys.snapshot()) if hasattr(keys, "snapshot") else set(keys)


def session_keys() -> set[str]:
    """The session's keys, read once. ``key in st.session_state`` has no fast path in Streamlit: each test
    iterates a deep copy of the whole state (a few ms with a design in it), so test against this set."""
    return set(st.session_state)


def _store() -> dict:
    if KEPT_KEY not in st.session_state:
        st.session_state[KEPT_KEY] = {}
    return st.session_state[KEPT_KEY]


def restore(keys: Iterable[str]) -> list[str]:
    """Re-seed each of ``keys`` whose widget was not drawn on the last run; returns those re-seeded.

    A widget that was drawn keeps its state (it holds the user's latest edit); one that was not has lost
    its state or holds a stale one, and gets the remembered value back.
    """
    store = _store()
    drawn = store.get(RENDERED, set())
    present = session_keys()
    seeded = []
    for key in keys:
        if key in store and (key not in present or key not in drawn):
            st.session_state[key] = store[key]
            seeded.append(key)
    return seeded


def remember(keys: Iterable[str]) -> None:
    """Keep the current value of each of ``keys`` whose widget was drawn in this run (call it after them)."""
    store = _store()
    rendered = _rendered_this_run()
    present = session_keys()
    drawn = set()
    for key in keys:
        if key in present and (rendered is None or key in rendered):
            value = st.session_state[key]
            store[key] = list(value) if isinstance(value, tuple) else value
            drawn.add(key)
    store[RENDERED] = drawn


def remembered(key: str, default=None):
    """The kept value of ``key`` (the widget's own state first), or ``default``."""
    if key in session_keys():
        return st.session_state[key]
    return _store().get(key, default)


def restore_prefixed(prefix: str) -> list[str]:
    """:func:`restore` every remembered key under ``prefix`` (for keys named after a run-time value)."""
    return restore([key for key in _store() if key != RENDERED and key.startswith(prefix)])


def value_keys(prefix: str, *, exclude: Iterable[str] = ()) -> list[str]:
    """The session's keys under ``prefix``, less ``exclude`` (exact keys or ``"prefix*"`` patterns)."""
    exact = {e for e in exclude if not e.endswith("*")}
    starts = tuple(e[:-1] for e in exclude if e.endswith("*"))
    return [
        k for k in session_keys()
        if isinstance(k, str) and k.startswith(prefix) and k not in exact and not (starts and k.startswith(starts))
    ]


PROJECT_KEY = "vv.project_id"
PROJECT_PICKER_KEY = "vv.project_picker"


def switch_project(project_id: int) -> None:
    """Make ``project_id`` the current project on the next run (the sidebar picker follows it).

    The picker's own widget state would otherwise win over ``vv.project_id``, so a button that opens or
    creates a project changed nothing visible. Call it, then ``st.rerun()`` (or use it as a callback).
    """
    st.session_state[PROJECT_KEY] = project_id
    st.session_state.pop(PROJECT_PICKER_KEY, None)


class SessionCache(dict):
    """A dict for session state that Streamlit does not deep-copy.

    Streamlit deep-copies the whole session state on every widget call (to check keys and forms): a
    page that keeps solver results or data frames in a plain dict there makes every widget on every
    page slower (a Cell Designer edit took 1.5 s after a few Simulation runs). Values kept in a
    :class:`SessionCache` are shared, not copied; treat them as read-only.
    """

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


def session_cache(key: str) -> SessionCache:
    """The :class:`SessionCache` under ``key`` (created empty, or converted from a plain dict)."""
    value = st.session_state.get(key)
    if not isinstance(value, SessionCache):
        value = SessionCache(value or {})
        st.session_state[key] = value
    return value
