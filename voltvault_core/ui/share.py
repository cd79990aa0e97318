"""The page a logged-out visitor sees for a read-only share link (``?share=TOKEN``).

Home.py serves it instead of the navigation whenever the URL carries a share token, so the visitor gets
this one page and the one item the link names: no sidebar, no project picker, no login form. The token
is checked again on every rerun, so revoking a link or its expiry stops an open page at its next
interaction.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from voltvault_core.db.engine import session_scope
from voltvault_core.sharing import ShareLinkInvalid, shared_content
from voltvault_core.ui.context import get_engine
from voltvault_core.ui.errors import show_error

SHARE_PARAM = "share"
KIND_LABELS = {"project": "Project", "simulation": "Simulation", "dataset": "Cycling dataset", "design": "Cell design",
               "eis_measurement": "Impedance spectrum", "experiment": "Experiment"}


def share_token() -> str | None:
    token = st.query_params.get(SHARE_PARAM)
    return token.strip() if token and token.strip() else None


def render_share_view() -> None:
    """Render the shared item, or a plain message when the link opens nothing."""
    token = share_token() or ""
    try:
        with session_scope(get_engine()) as session:
            content = shared_content(session, token)
    except ShareLinkInvalid as exc:
        st.title("VoltVault")
        st.error(str(exc))
        st.stop()
    except Exception as exc:  # a database hiccup: a plain message, never its SQL
        st.title("VoltVault")
        show_error(exc, "Opening the shared item")
        st.stop()
    st.title(content.title)
    expiry = f"expires {content.expires_at:%Y-%m-%d %H:%M} UTC" if content.expires_at else "does not expire"
    st.caption(f"{KIND_LABELS.get(content.kind, content.kind)} shared read-only from the project "
               f"“{content.project_name}” · this link {expiry}")
    if content.facts:
        st.dataframe(pd.DataFrame({"": list(content.facts), "value": [str(v) for v in content.facts.values()]}),
                     hide_index=True, key="share.facts")
    if content.markdown:
        st.markdown(content.markdown)
    for k, (title, figure) in enumerate(content.figures):
        st.markdown(f"**{title}**")
        st.plotly_chart(figure, width="stretch", key=f"share.figure.{k}")
    for k, (title, table) in enumerate(content.tables):
        st.markdown(f"**{title}**")
        st.dataframe(table, hide_index=True, key=f"share.table.{k}")
