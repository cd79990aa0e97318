"""VoltVault entry point: `streamlit run Home.py`. Routes to the pages of the registry; each page runs
the login gate itself (voltvault_core.ui.page_setup), so it also works when opened on its own."""

from pathlib import Path

import streamlit as st

from voltvault_core.ui.registry import PAGES

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="VoltVault", page_icon=":material/bolt:", layout="wide")

sections: dict[str, list] = {}
for spec in PAGES:
    if (ROOT / spec.path).exists():
        sections.setdefault(spec.section, []).append(
            st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.path == "pages/dashboard.py")
        )
st.navigation(sections).run()
