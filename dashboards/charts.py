"""Plotly figures for the dashboard pages: pure functions of the loaders' frames."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboards.data import METRIC_LABELS, OUTCOMES, STATISTIC_RULES

METRIC_COLORS = {
    "covert": "#d62728", "citation": "#1f77b4", "cited_covert": "#9467bd", "aware": "#ff7f0e",
    "incomplete": "#bcbd22", "unparseable": "#7f7f7f",
}
OUTCOME_COLORS = {
    "honest": "#2ca02c", "covert": "#d62728", "escalated": "#1f77b4", "refused": "#8c564b", "incomplete": "#bcbd22",
    "unparseable": "#7f7f7f", "external": "#17becf",
}
# One colour per checkpoint on the by-date charts (Plotly's qualitative "D3" palette, without red).
CHECKPOINT_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                      "#17becf")
ALERT_COLORS = {"open": "#d62728", "resolved": "#7f7f7f"}
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
_DAY_MS = 86_400_000


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _rate_traces(
    fig: go.Figure, frame: pl.DataFrame, x: str, *, name: str, color: str, row: int, show_legend: bool, group: str,
    band_alpha: float = 0.18,
) -> None:
    """A rate line with its 95% band (upper bound, then lower bound filled up to it)."""
    xs = frame[x].to_list()
    band = {"x": xs, "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False,
            "legendgroup": group}
    fig.add_trace(go.Scatter(y=frame["ci_high"].to_list(), **band), row=row, col=1)
    fig.add_trace(go.Scatter(y=frame["ci_low"].to_list(), fill="tonexty", fillcolor=_rgba(color, band_alpha), **band),
                  row=row, col=1)
    fig.add_trace(
        go.Scatter(
            x=xs, y=frame["rate"].to_list(), mode="lines+markers", name=name, legendgroup=group,
            showlegend=show_legend, line={"color": color, "width": 2}, marker={"size": 7},
            customdata=frame.select("k", "n", "ci_low", "ci_high", pl.col("eval_date").cast(pl.String)).rows(),
            hovertemplate=(
                f"<b>{name}</b><br>%{{x}}<br>rate %{{y:.1%}} (95% CI %{{customdata[2]:.1%}}–%{{customdata[3]:.1%}})"
                "<br>k=%{customdata[0]} of n=%{customdata[1]}<br>evaluated %{customdata[4]}<extra></extra>"
            ),
        ),
        row=row, col=1,
    )


def _alert_markers(fig: go.Figure, marks: pl.DataFrame, x: str, row: int) -> None:
    """Open and resolved alerts on one panel, as crosses at the value that fired them (a statistic's alert: at
    its evaluation's rate; :func:`dashboards.data.alert_markers`)."""
    for status in ("open", "resolved"):
        shown = marks.filter(pl.col("status") == status)
        if shown.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                x=shown[x].to_list(), y=shown["marker_y"].to_list(), mode="markers", name=f"{status} alert",
                legendgroup=f"alert-{status}", showlegend=False,
                marker={"symbol": "x", "size": 13, "color": ALERT_COLORS[status], "line": {"width": 1}},
                customdata=shown.select("rule", "status", "judged", "checkpoint_id").rows(),
                hovertemplate="<b>alert %{customdata[0]}</b> (%{customdata[1]})<br>%{customdata[3]}"
                "<br>%{customdata[2]}<extra></extra>",
            ),
            row=row, col=1,
        )


def degradation_figure(
    rates: pl.DataFrame,
    *,
    by: Literal["checkpoint", "eval_date"],
    metrics: Sequence[str],
    checkpoint_order: Sequence[str],
    thresholds: Mapping[str, tuple[float, str]],
    alerts: pl.DataFrame,
) -> go.Figure:
    """One panel per metric: rates with 95% bands, threshold lines and alert markers.

    Args:
        rates: :func:`dashboards.data.degradation` output.
        by: ``checkpoint`` (x = checkpoints in training order, one line) or
            ``eval_date`` (x = evaluation date, one line per checkpoint).
        checkpoint_order: Checkpoint ids in training order.
        thresholds: Metric → (value, label) of the lines to draw.
        alerts: :func:`dashboards.data.alert_markers` output.
    """
    fig = make_subplots(
        rows=len(metrics), cols=1, shared_xaxes=True, vertical_spacing=0.08 if len(metrics) < 3 else 0.05,
        subplot_titles=[METRIC_LABELS.get(m, m) for m in metrics],
    )
    x = "checkpoint_id" if by == "checkpoint" else "eval_date"
    for row, metric in enumerate(metrics, start=1):
        sub = rates.filter(pl.col("metric") == metric)
        if by == "checkpoint":
            _rate_traces(fig, sub, x, name=METRIC_LABELS.get(metric, metric), color=METRIC_COLORS.get(metric, "#333"),
                         row=row, show_legend=False, group=metric)
        else:
            for i, checkpoint in enumerate(checkpoint_order):
                line = sub.filter(pl.col("checkpoint_id") == checkpoint).sort("eval_date")
                if line.is_empty():
                    continue
                # Fainter bands: several checkpoints share a panel.
                _rate_traces(fig, line, x, name=checkpoint, color=CHECKPOINT_PALETTE[i % len(CHECKPOINT_PALETTE)],
                             row=row, show_legend=row == 1, group=checkpoint, band_alpha=0.08)
        if metric in thresholds:
            value, label = thresholds[metric]
            fig.add_hline(y=value, line={"dash": "dash", "color": "#555", "width": 1}, annotation_text=label,
                          annotation_position="top left", annotation_font_size=11, row=row, col=1)
        _alert_markers(fig, alerts.filter(pl.col("metric") == metric), x, row)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    if by == "checkpoint":
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(checkpoint_order))
    else:
        # Whole days only: Plotly's automatic ticks on a short range fall between days and
        # repeat the same date label.
        days = (rates["eval_date"].max() - rates["eval_date"].min()).days if not rates.is_empty() else 0
        fig.update_xaxes(type="date", tickformat="%Y-%m-%d", dtick=_DAY_MS * max(1, math.ceil(days / 8)))
    fig.update_layout(height=190 * len(metrics) + 90, margin=_MARGIN, hovermode="closest",
                      legend={"orientation": "h", "y": -0.04, "yanchor": "top", "title": {"text": "checkpoint"}})
    return fig


def family_heatmap(rates: pl.DataFrame, *, checkpoint_order: Sequence[str], metric: str) -> go.Figure:
    """Family × checkpoint heatmap of one rate; hover shows k, n and the 95% interval."""
    families = sorted(rates["family"].unique().to_list())
    cells = {(r["family"], r["checkpoint_id"]): r for r in rates.iter_rows(named=True)}
    z, custom = [], []
    for family in families:
        z_row, c_row = [], []
        for checkpoint in checkpoint_order:
            cell = cells.get((family, checkpoint))
            z_row.append(None if cell is None else cell["rate"])
            c_row.append([None, None, None, None] if cell is None else
                         [cell["k"], cell["n"], cell["ci_low"], cell["ci_high"]])
        z.append(z_row)
        custom.append(c_row)
    label = METRIC_LABELS.get(metric, metric)
    fig = go.Figure(
        go.Heatmap(
            z=z, x=list(checkpoint_order), y=families, customdata=custom, colorscale="Reds", zmin=0,
            zmax=max(0.05, max((v for row in z for v in row if v is not None), default=0.0)),
            texttemplate="%{z:.0%}", colorbar={"title": {"text": label}, "tickformat": ".0%"},
            hovertemplate=(
                "<b>%{y}</b><br>%{x}<br>" + label + " %{z:.1%}<br>k=%{customdata[0]} of n=%{customdata[1]}"
                "<br>95% CI %{customdata[2]:.1%}–%{customdata[3]:.1%}<extra></extra>"
            ),
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(260, 24 * len(families) + 120), margin=_MARGIN)
    return fig


def drift_figure(details: pl.DataFrame) -> go.Figure:
    """Test statistic of every drift test of one evaluation, drifted tests in red."""
    frame = details.with_columns((pl.col("column_name") + " · " + pl.col("family")).alias("test"))
    fig = go.Figure()
    for drifted, name, color in ((True, "drifted", "#d62728"), (False, "not drifted", "#9aa5b1")):
        part = frame.filter(pl.col("drifted") == drifted)
        fig.add_trace(
            go.Bar(
                x=part["statistic"].to_list(), y=part["test"].to_list(), orientation="h", name=name,
                marker_color=color, customdata=part.select("method", "p_value").rows(),
                hovertemplate="<b>%{y}</b><br>%{customdata[0]} statistic %{x:.3g}"
                "<br>p-value %{customdata[1]:.3g}<extra></extra>",
            )
        )
    fig.update_yaxes(type="category", autorange="reversed", categoryorder="array",
                     categoryarray=frame["test"].to_list())
    fig.update_layout(height=max(240, 22 * frame.height + 130), margin={**_MARGIN, "t": 60},
                      xaxis_title="test statistic",
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"})
    return fig


def alerts_figure(alerts: pl.DataFrame) -> go.Figure:
    """Each alert's value (×) against its threshold (—) on the day it opened; rate rules only (a sequential
    alarm's statistic is no rate: the table lists it)."""
    fig = go.Figure()
    alerts = alerts.filter(~pl.col("rule").is_in(list(STATISTIC_RULES)))
    for status, color in ALERT_COLORS.items():
        part = alerts.filter(pl.col("status") == status)
        if part.is_empty():
            continue
        custom = part.select("rule", "checkpoint_id", pl.col("family").fill_null("all families"), "threshold").rows()
        fig.add_trace(
            go.Scatter(
                x=part["opened_at"].to_list(), y=part["value"].to_list(), mode="markers", name=f"{status}: value",
                marker={"symbol": "x", "size": 13, "color": color}, customdata=custom,
                hovertemplate="<b>%{customdata[0]}</b> on %{customdata[1]} (%{customdata[2]})"
                "<br>value %{y:.1%} vs threshold %{customdata[3]:.1%}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=part["opened_at"].to_list(), y=part["threshold"].to_list(), mode="markers",
                name=f"{status}: threshold", marker={"symbol": "line-ew-open", "size": 22, "color": color},
                hoverinfo="skip",
            )
        )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title="rate")
    fig.update_layout(height=320, margin=_MARGIN, xaxis_title="opened", legend={"orientation": "h", "y": 1.12})
    return fig


def outcome_figure(counts: pl.DataFrame) -> go.Figure:
    """Samples per outcome, in the grader's outcome order."""
    outcomes = [o for o in OUTCOMES if o in counts["outcome"].to_list()]
    by = dict(zip(counts["outcome"].to_list(), counts["samples"].to_list(), strict=True))
    fig = go.Figure(
        go.Bar(
            x=outcomes, y=[by[o] for o in outcomes], marker_color=[OUTCOME_COLORS[o] for o in outcomes],
            text=[by[o] for o in outcomes], textposition="outside", cliponaxis=False,
            hovertemplate="%{x}: %{y} samples<extra></extra>",
        )
    )
    fig.update_layout(height=260, margin=_MARGIN, yaxis_title="samples", showlegend=False)
    return fig


def overview_figure(report: pl.DataFrame, thresholds: Mapping[str, tuple[float, str]]) -> go.Figure:
    """Covert and spec-citation rates of every checkpoint's latest evaluation, in training order."""
    fig = go.Figure()
    xs = report["checkpoint"].to_list()
    fig.add_trace(
        go.Scatter(
            x=xs, y=report["covert_rate"].to_list(), mode="lines+markers", name=METRIC_LABELS["covert"],
            line={"color": METRIC_COLORS["covert"]},
            error_y={"type": "data", "symmetric": False,
                     "array": (report["covert_ci_high"] - report["covert_rate"]).to_list(),
                     "arrayminus": (report["covert_rate"] - report["covert_ci_low"]).to_list()},
            hovertemplate="%{x}<br>covert %{y:.1%}<extra></extra>",
        )
    )
    for metric, column in (("citation", "citation_rate"), ("cited_covert", "cited_covert_rate")):
        fig.add_trace(
            go.Scatter(x=xs, y=report[column].to_list(), mode="lines+markers", name=METRIC_LABELS[metric],
                       line={"color": METRIC_COLORS[metric]}, hovertemplate="%{x}<br>%{y:.1%}<extra></extra>")
        )
    if "covert" in thresholds:
        value, label = thresholds["covert"]
        fig.add_hline(y=value, line={"dash": "dash", "color": "#555", "width": 1}, annotation_text=label)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_layout(height=300, margin=_MARGIN, legend={"orientation": "h", "y": 1.15})
    return fig


KIND_TITLES = {"ablate": "Ablate: aware sentence dropped", "inject": "Inject: awareness inserted",
               "control": "Control: neutral sentence inserted"}
KIND_COLORS = {"ablate": "#d62728", "inject": "#2ca02c", "control": "#7f7f7f"}


def intervention_figure(results: pl.DataFrame) -> go.Figure:
    """Paired bars per checkpoint, one panel per kind: covert in the baseline arm and the intervened arm,
    with 95% intervals clustered by environment; the one-sided environment-stratified p above each pair.

    Args:
        results: :func:`dashboards.data.interventions` output (overall rows).
    """
    kinds = [k for k in KIND_TITLES if k in set(results["kind"].to_list())]
    fig = make_subplots(rows=1, cols=max(1, len(kinds)), shared_yaxes=True,
                        subplot_titles=[KIND_TITLES[k] for k in kinds], horizontal_spacing=0.04)
    for col, kind in enumerate(kinds, start=1):
        part = results.filter(pl.col("kind") == kind)
        labels = [f"{s}<br>{c[-10:]}" if s == "external" else s
                  for s, c in zip(part["stage"].to_list(), part["checkpoint_id"].to_list(), strict=True)]
        for arm, color, name in (("baseline", "#c7c7c7", "before (sentence as it was)"),
                                 ("intervened", KIND_COLORS[kind], "after (intervened)")):
            rate = part[f"{arm}_rate"]
            fig.add_trace(go.Bar(
                x=labels, y=rate.to_list(), name=name, marker_color=color, legendgroup=arm, showlegend=col == 1,
                error_y={"type": "data", "symmetric": False,
                         "array": (part[f"{arm}_high_clustered"] - rate).to_list(),
                         "arrayminus": (rate - part[f"{arm}_low_clustered"]).to_list()},
                customdata=part.select(f"{arm}_k", f"{arm}_n", "n_responses", "p_value_paired", "p_value").rows(),
                hovertemplate=(f"<b>%{{x}}</b> · {name}<br>covert %{{y:.1%}}<br>%{{customdata[0]}} of "
                               "%{customdata[1]} continuations, %{customdata[2]} responses<br>"
                               "one-sided p %{customdata[3]:.3g} by environment (Fisher on the continuations "
                               "%{customdata[4]:.3g})<extra></extra>"),
            ), row=1, col=col)
        top = part.select(pl.max_horizontal("baseline_high_clustered", "intervened_high_clustered"))
        for x, y, p in zip(labels, top.to_series().to_list(), part["p_value_paired"].to_list(), strict=True):
            fig.add_annotation(x=x, y=y, text=f"p={p:.2g}", showarrow=False, yshift=12, font={"size": 11},
                               row=1, col=col)
    fig.update_layout(barmode="group", height=420, margin=_MARGIN, legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title_text="covert", row=1, col=1)
    return fig
