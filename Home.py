"""VoltVault entry point: `streamlit run Home.py`. Routes to the pages of the registry; each page runs
the login gate itself (voltvault_core.ui.page_setup), so it also works when opened on its own.

A URL with ``?share=TOKEN`` gets the share view and nothing else (no navigation, no login). Every page
runs inside ``page_errors``: an error no page anticipated ends as a plain message, never a traceback.
"""

from pathlib import Path

import streamlit as st

from voltvault_core.ui.errors import page_errors
from voltvault_core.ui.registry import PAGES
from voltvault_core.ui.share import render_share_view, share_token

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="VoltVault", page_icon=":material/bolt:", layout="wide")

if share_token():
    page = st.navigation([st.Page(render_share_view, title="Shared", url_path="shared", default=True)],
                         position="hidden")
else:
    sections: dict[str, list] = {}
    for spec in PAGES:
        if (ROOT / spec.path).exists():
            sections.setdefault(spec.section, []).append(
                st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.path == "pages/dashboard.py")
            )
    page = st.navigation(sections)
with page_errors():
    page.run()
