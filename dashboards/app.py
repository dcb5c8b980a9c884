"""schemewatch dashboard: the entry point, which serves every page of :data:`dashboards.pages_registry.PAGES`.

Run: ``make dashboard`` or ``streamlit run dashboards/app.py [-- --warehouse DIR]``.
Each page is one script under ``views/``; ``/`` serves the overview (``views/overview.py``).
"""

from __future__ import annotations

import streamlit as st

from dashboards import pages_registry

st.navigation(
    [
        st.Page(page.path, title=page.label, icon=page.icon, url_path=page.url_path, default=page.default)
        for page in pages_registry.PAGES
    ]
).run()
