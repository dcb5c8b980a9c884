"""The Streamlit dashboard: `app.py` (entry point) serves the pages under `views/`, one script each,
listed once in `pages_registry`; every page reads the warehouse read-only.

Queries live in `data` (pure, testable without Streamlit), caching in `cache`, figures in `charts`.
"""
