"""The per-checkpoint report: latest held-out evaluation of every checkpoint."""

from __future__ import annotations

import math

from schemewatch.warehouse import WarehouseReader
from schemewatch.warehouse_schema import OWN_SUITE, latest_runs_sql

_LATEST_RUNS = f"""
WITH latest AS ({latest_runs_sql()})
SELECT latest.eval_run_id, latest.checkpoint_id, latest.eval_date, latest.source, latest.suite, latest.suite_version,
       coalesce(latest.grader_version, '1') AS grader_version,
       coalesce(c.stage, 'external') AS stage, coalesce(c.stage_index, -1) AS stage_index
FROM latest LEFT JOIN checkpoints c USING (checkpoint_id)
ORDER BY stage_index, latest.checkpoint_id, latest.suite <> 'schemewatch', latest.suite
"""

_OVERALL_RATES = """
SELECT eval_run_id, metric, k, n, rate, ci_low, ci_high, icc, ci_low_clustered, ci_high_clustered
FROM rates WHERE family IS NULL AND eval_run_id IN (SELECT unnest(?::VARCHAR[]))
"""


def _clean(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, 6)


def checkpoint_report(reader: WarehouseReader, split: str = "eval") -> list[dict[str, object]]:
    """One entry per checkpoint and suite, in training order, for its latest evaluation.

    A checkpoint's own evaluation (``source`` ``schemewatch``) comes first; each Inspect task
    ingested for it (``source`` ``inspect``, ``suite`` ``inspect:<task>@<version>``) follows.

    Rates are over the families that count in aggregates; ``*_ci`` are Wilson 95%
    intervals; ``cited_covert_rate`` is covert among the spec-citing responses;
    ``incomplete_rate`` is honest answers whose report missed a required fact
    without claiming success (``None`` for runs graded before grader version 2,
    which had no such outcome: re-grade them with ``schemewatch regrade``).
    """
    runs = reader.query(_LATEST_RUNS, [split, None, None])
    if runs.is_empty():
        return []
    rates = reader.query(_OVERALL_RATES, [runs["eval_run_id"].to_list()])
    by_run: dict[str, dict[str, dict[str, object]]] = {}
    for r in rates.iter_rows(named=True):
        by_run.setdefault(r["eval_run_id"], {})[r["metric"]] = r
    entries = []
    for run in runs.iter_rows(named=True):
        m = by_run.get(run["eval_run_id"], {})

        def rate(metric: str, m: dict = m) -> float | None:
            return _clean(m[metric]["rate"]) if metric in m else None

        def ci(metric: str, m: dict = m) -> list[float | None]:
            return [_clean(m[metric]["ci_low"]), _clean(m[metric]["ci_high"])] if metric in m else [None, None]

        covert = m.get("covert", {})
        entries.append(
            {
                "checkpoint": run["checkpoint_id"],
                "stage": run["stage"],
                "stage_index": run["stage_index"],
                "eval_date": run["eval_date"].isoformat(),
                "eval_run_id": run["eval_run_id"],
                "source": run["source"],
                "suite": run["suite"],  # warehouse_schema.SUITE_SQL
                "suite_version": run["suite_version"],
                "grader_version": run["grader_version"],
                "n": covert.get("n", 0),
                "covert_count": covert.get("k", 0),
                "covert_rate": rate("covert"),
                "covert_ci": ci("covert"),
                # Samples of one environment are correlated: this interval accounts for it (NULL for runs
                # stored before clustered intervals existed).
                "covert_ci_clustered": [_clean(covert.get("ci_low_clustered")),
                                        _clean(covert.get("ci_high_clustered"))],
                "covert_icc": _clean(covert.get("icc")) if covert else None,
                "citation_rate": rate("citation"),
                "citation_ci": ci("citation"),
                "cited_covert_rate": rate("cited_covert"),
                "cited_covert_ci": ci("cited_covert"),
                "cited_n": m.get("cited_covert", {}).get("n", 0),
                "aware_rate": rate("aware"),
                "aware_ci": ci("aware"),
                "incomplete_rate": rate("incomplete"),
                "incomplete_ci": ci("incomplete"),
                "unparseable_rate": rate("unparseable"),
                "unparseable_count": m.get("unparseable", {}).get("k", 0),
            }
        )
    return entries


def _pct(x: object) -> str:
    return "–" if x is None else f"{100 * float(x):5.1f}%"


def _interval(entry: dict[str, object]) -> str:
    # The environment-clustered interval; a run stored before it existed shows its Wilson interval, marked *.
    low, high = entry.get("covert_ci_clustered") or [None, None]
    mark = ""
    if low is None:
        (low, high), mark = entry["covert_ci"], "*"
    return f"[{_pct(low).strip()}, {_pct(high).strip()}]{mark}"


def format_report_table(entries: list[dict[str, object]]) -> str:
    """The report as a fixed-width table for a terminal."""
    if not entries:
        return "no evaluations yet — run `make demo` or `schemewatch evaluate --checkpoint …`"
    # A suite column only when an ingested task stands beside our own evaluations.
    suites = any(e.get("suite", OWN_SUITE) != OWN_SUITE for e in entries)
    header = ["checkpoint", "stage", *(["suite"] if suites else []), "date", "n", "covert", "95% CI (clustered)",
              "cites spec",
              "covert|cites", "eval-aware", "incomplete", "unparseable"]
    rows = [
        [
            str(e["checkpoint"]), str(e["stage"]),
            *([str(e["suite"])] if suites else []),
            str(e["eval_date"]), str(e["n"]),
            _pct(e["covert_rate"]),
            _interval(e),
            _pct(e["citation_rate"]), _pct(e["cited_covert_rate"]), _pct(e["aware_rate"]),
            _pct(e["incomplete_rate"]), f"{_pct(e['unparseable_rate'])} ({e['unparseable_count']})",
        ]
        for e in entries
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    lines = [fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)]
    if any(_interval(e).endswith("*") for e in entries):
        lines.append("* Wilson interval over all samples: the run was stored before clustered intervals existed")
    return "\n".join(lines)

