"""The dashboard's pages, each declared once, here.

``app.py`` builds the navigation (``st.navigation``) from :data:`PAGES`; the
overview's list of pages, the page tests, the browser test and the render
benchmark read it too, so a page is one script under ``views/`` plus one entry
below. (Not ``pages/``: Streamlit treats a folder of that name beside the entry
script as a legacy multipage app.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class DashboardPage:
    """One page of the dashboard.

    Attributes:
        script: The page's file, relative to ``dashboards/`` (an absolute path works too).
        label: Its name in the navigation and in links; its URL path too (``/Degradation``),
            spaces as underscores.
        icon: A Material icon (``:material/name:``) or an emoji.
        description: What it shows, in a few words: the overview's list of pages says it.
        default: The page served at ``/`` (exactly one page is).
    """

    script: str
    label: str
    icon: str
    description: str
    default: bool = False

    @property
    def path(self) -> Path:
        """The page's file, absolute."""
        return DASHBOARDS / self.script

    @property
    def url_path(self) -> str:
        """Where the server serves the page: ``""`` for the default page, else the label."""
        return "" if self.default else "_".join(self.label.split())


# In navigation order; the default page is served at "/".
PAGES: tuple[DashboardPage, ...] = (
    DashboardPage("views/overview.py", "Overview", ":material/shield:", "where every checkpoint stands today",
                  default=True),
    DashboardPage("views/degradation.py", "Degradation", ":material/trending_down:",
                  "rates per checkpoint and over time"),
    DashboardPage("views/families.py", "Families", ":material/grid_view:", "covert rate per family × checkpoint"),
    DashboardPage("views/drift.py", "Drift", ":material/waves:", "Evidently drift per evaluation"),
    DashboardPage("views/alerts.py", "Alerts", ":material/notifications_active:", "open and resolved alerts"),
    DashboardPage("views/awareness.py", "Awareness", ":material/visibility:",
                  "does good behaviour depend on thinking it is tested?"),
    DashboardPage("views/transcripts.py", "Transcripts", ":material/article:", "the responses behind a number"),
)


def page(label: str) -> DashboardPage:
    """The registered page called ``label``.

    Raises:
        KeyError: when no page has that label.
    """
    for entry in PAGES:
        if entry.label == label:
            return entry
    raise KeyError(f"no dashboard page labelled {label!r}")
