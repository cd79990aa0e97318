"""The one place where a page shows an error: plain words, never SQL, hashes, paths or tracebacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from voltvault_core.errors import public_message


def show_error(exc: BaseException, doing: str = "") -> None:
    """Show ``exc`` as a plain message (database and unexpected errors are logged with a reference)."""
    st.error(public_message(exc, doing))


@contextmanager
def page_errors() -> Iterator[None]:
    """Catch what a page script lets escape and show it through :func:`show_error`.

    Home.py runs every page inside it, so an error no page anticipated (a lost database connection, a
    unique violation) ends as a message, not a traceback. Streamlit's own stop and rerun signals are
    ``BaseException`` subclasses and pass through.
    """
    try:
        yield
    except Exception as exc:
        show_error(exc, "This page")
