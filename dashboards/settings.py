"""Where the dashboard reads from and which thresholds it draws.

The warehouse is found by :func:`schemewatch.config.resolve_paths`, as Dagster and the
CLI find it: ``--warehouse PATH`` (or ``--data-dir PATH``) after ``--`` on the
``streamlit run`` command line, then ``$SCHEMEWATCH_WAREHOUSE`` / ``$SCHEMEWATCH_DATA``,
then ``./data/warehouse``. Threshold lines are those the alert rules last judged with
(each rule check stores its threshold); before any check, the ``[alerts]`` table of the
world config (``--config PATH`` or ``$SCHEMEWATCH_CONFIG``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from schemewatch.config import CONFIG_ENV, AlertsConfig, load_monitoring_config, resolve_paths

EMPTY_MESSAGE = "No evaluations yet — run `make demo`."
# Short, so a page shows a new nightly evaluation within half a minute even when
# its snapshot generation was not seen yet; the generation in every cache key
# makes a page re-query as soon as it has been seen.
CACHE_TTL_S = 30


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The dashboard's own flags after ``--``; anything else (pytest's flags too) is ignored."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--config")
    args, _ = parser.parse_known_args(list((sys.argv if argv is None else argv)[1:]))
    return args


def warehouse_root(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The warehouse directory the dashboard reads (see the module docstring for the order).

    Args:
        argv: Command-line arguments (default ``sys.argv``); only ``--warehouse`` and
            ``--data-dir`` are read.
        environ: Environment (default ``os.environ``).
    """
    args = _arguments(argv)
    flags = {"data_dir": args.data_dir, "warehouse": args.warehouse}
    return resolve_paths(flags, environ=os.environ if environ is None else environ).warehouse_dir


@dataclass(frozen=True)
class Thresholds:
    """Threshold lines drawn on the degradation charts: the alert rules' own thresholds.

    Attributes:
        covert_ceiling: Covert-action rate above which an alert opens (``None``: rule off).
        citation_floor: Spec-citation rate below which an alert opens.
        cited_covert_ceiling: Ceiling on covert among spec-citing responses.
    """

    covert_ceiling: float | None = AlertsConfig().covert_ceiling
    citation_floor: float | None = AlertsConfig().citation_floor
    cited_covert_ceiling: float | None = AlertsConfig().cited_covert_ceiling

    def by_metric(self) -> dict[str, tuple[float, str]]:
        """Metric name → (threshold, label) for the metrics whose rule is on."""
        lines = {
            "covert": (self.covert_ceiling, "covert ceiling"),
            "citation": (self.citation_floor, "citation floor"),
            "cited_covert": (self.cited_covert_ceiling, "covert-after-citation ceiling"),
        }
        return {metric: (value, label) for metric, (value, label) in lines.items() if value is not None}

    @classmethod
    def load(cls, argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Thresholds:
        """The ``[alerts]`` table of the world config (``--config PATH`` or ``$SCHEMEWATCH_CONFIG``), else defaults.

        Raises:
            ConfigError: when the file is missing or a threshold is invalid.
        """
        path = _arguments(argv).config or (os.environ if environ is None else environ).get(CONFIG_ENV)
        alerts = load_monitoring_config(path or None).alerts
        return cls(alerts.covert_ceiling, alerts.citation_floor, alerts.cited_covert_ceiling)

    def recorded(self, checked: Mapping[str, float | None]) -> Thresholds:
        """These thresholds with those the rules last judged with (``rule → threshold``) put first."""
        return Thresholds(**{rule: checked.get(rule, getattr(self, rule))
                             for rule in ("covert_ceiling", "citation_floor", "cited_covert_ceiling")})
