"""The Streamlit dashboard: `app.py` (entry page) and `pages/`, reading the warehouse read-only.

Queries live in `data` (pure, testable without Streamlit), caching in `cache`, figures in `charts`.
"""
