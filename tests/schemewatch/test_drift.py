"""Evidently drift of every evaluation against the reference: rows, HTML report, workspace snapshot."""

import json
from datetime import date

import polars as pl
import pytest

from schemewatch.alerts import list_alerts
from schemewatch.config import AlertsConfig, DriftConfig, PathsConfig
from schemewatch.drift import (
    DriftError,
    compute_drift,
    drift_check,
    load_drift,
    resolve_reference,
    runs_without_drift,
)
from schemewatch.drift_files import list_workspace_runs
from schemewatch.drift_report import BINARY_COLUMNS, build_report
from schemewatch.monitoring import monitor
from schemewatch.warehouse import Warehouse, WarehouseReader
from tests.schemewatch.monitoring_data import FAMILIES, register, samples, store


@pytest.fixture
def world(tmp_path):
    """base, as-rl (the reference, evaluated twice) and an eroded cap-1 on one night each."""
    paths = PathsConfig(data_dir=tmp_path / "data")
    w = Warehouse(paths.warehouse_dir)
    for ck, stage in (("base-ck", "base"), ("as-rl-ck", "as-rl"), ("cap-1-ck", "cap-1")):
        register(w, ck, stage, tmp_path)
    runs = {
        "base": store(w, "base-ck", 0, covert=0.3, citation=0.1),
        "ref": store(w, "as-rl-ck", 0, covert=0.05),
        "ref2": store(w, "as-rl-ck", 1, covert=0.05),
        "cap": store(w, "cap-1-ck", 2, long_reasoning=True, incomplete=0.3,
                     covert={f: (0.9 if f == "beta" else 0.15) for f in FAMILIES}),
    }
    return paths, w, runs


def drift_rows(w: Warehouse, run_id: str) -> pl.DataFrame:
    with WarehouseReader(w.root) as r:
        return r.query("SELECT * FROM drift WHERE eval_run_id = ? ORDER BY family NULLS FIRST, column_name",
                       [run_id])


def test_reference_is_the_first_as_rl_evaluation_or_pinned(world) -> None:
    _, w, runs = world
    with WarehouseReader(w.root) as r:
        assert resolve_reference(r, "eval") == runs["ref"]
        assert resolve_reference(r, "eval", DriftConfig(reference_stages=("as-sft", "base"))) == runs["base"]
        assert resolve_reference(r, "eval", DriftConfig(reference_eval_run_id=runs["ref2"])) == runs["ref2"]
        assert resolve_reference(r, "train") is None
        with pytest.raises(DriftError, match="not in the warehouse"):
            resolve_reference(r, "eval", DriftConfig(reference_eval_run_id="nope"))


def test_every_evaluation_gets_rows_an_html_report_and_a_workspace_snapshot(world) -> None:
    paths, w, runs = world
    summary = monitor(paths, alerts_cfg=AlertsConfig(channels=("jsonl",)))
    assert sorted(summary.drift) == sorted(runs.values()) and summary.drift_skipped == {}
    with WarehouseReader(w.root) as r:
        assert runs_without_drift(r) == []
        reports = r.query("SELECT * FROM drift_reports ORDER BY eval_run_id")
        per_run = r.query("SELECT eval_run_id, count(*) FILTER (WHERE family IS NULL) AS overall, "
                          "count(*) FILTER (WHERE family IS NOT NULL) AS families FROM drift GROUP BY ALL")
        alerts = list_alerts(r)
    assert per_run.height == 4 and set(per_run["families"]) == {len(FAMILIES)}
    assert set(per_run["overall"]) == {len(BINARY_COLUMNS) + 6}  # + outcome, family, n_tokens, 3 descriptors
    for row in reports.iter_rows(named=True):
        html = open(row["report_path"], encoding="utf-8").read()
        assert html.lstrip().startswith("<!DOCTYPE html>") and "Value Drift for column covert" in html
        assert row["reference_run_id"] == runs["ref"] and row["seconds"] < 30
    runs_in_workspace = list_workspace_runs(paths.evidently_workspace_dir)
    assert sorted(runs_in_workspace) == sorted(reports["workspace_run_id"].to_list())
    # The eroded capability stage alerts (covert ceiling and rise, per family for beta, drift share);
    # the reference checkpoint does not; the base model is not judged.
    cap_rules = {(a["rule"], a["family"]) for a in alerts if a["checkpoint"] == "cap-1-ck"}
    assert {("covert_ceiling", None), ("covert_rise", None), ("family_covert_rise", "beta")} <= cap_rules
    assert ("drift_share_ceiling", None) in cap_rules
    assert {a["checkpoint"] for a in alerts} == {"cap-1-ck"}
    delivered = [json.loads(x) for x in paths.alerts_jsonl.read_text().splitlines()]
    assert sorted(x["alert"]["id"] for x in delivered) == sorted(a["id"] for a in alerts)


def test_drift_flags_what_moved_and_nothing_when_nothing_did(world) -> None:
    _, w, runs = world
    same = compute_drift(w, runs["ref2"], report_dir=w.root / "r", workspace_dir=None)
    moved = compute_drift(w, runs["cap"], report_dir=w.root / "r", workspace_dir=None)
    assert same.drifted_columns == [] and same.drifted_families == [] and drift_check(same).passed
    # Longer reasoning with the same number of sentences: lengths drift, the sentence count does not.
    assert {"covert", "incomplete", "n_tokens", "reasoning_chars", "reasoning_words"} <= set(moved.drifted_columns)
    assert "reasoning_sentences" not in moved.drifted_columns
    assert "family" not in moved.drifted_columns  # the design is balanced: same families, same counts
    assert moved.drifted_families == ["beta"]  # 15% vs 5% in 40 samples is not, after Benjamini-Hochberg
    check = drift_check(moved)
    assert not check.passed and check.metadata["drifted_families"] == ["beta"]
    row = moved.rows.filter(pl.col("family").is_null() & (pl.col("column_name") == "covert")).row(0, named=True)
    assert row["method"] == "z" and row["p_value"] < 1e-6 and row["statistic"] > 5  # z of the rise
    dist = moved.rows.filter(pl.col("column_name") == "n_tokens").row(0, named=True)
    assert dist["method"] == "wasserstein" and dist["p_value"] is None and dist["statistic"] >= 0.1


def test_recomputing_replaces_rows_and_the_workspace_snapshot(world) -> None:
    paths, w, runs = world
    kwargs = {"report_dir": paths.drift_dir, "workspace_dir": paths.evidently_workspace_dir}
    first = compute_drift(w, runs["ref2"], **kwargs)
    second = compute_drift(w, runs["ref2"], **kwargs)
    assert drift_rows(w, runs["ref2"]).height == first.rows.height == second.rows.height
    assert list_workspace_runs(paths.evidently_workspace_dir) == [second.report.workspace_run_id]


def test_drift_without_a_reference_is_an_error_that_says_what_to_do(tmp_path) -> None:
    w = Warehouse(tmp_path / "wh")
    register(w, "cap-1-ck", "cap-1", tmp_path)
    run = store(w, "cap-1-ck", 0)
    with pytest.raises(DriftError, match="evaluate a checkpoint of stage as-rl"):
        compute_drift(w, run, report_dir=tmp_path / "r")
    with pytest.raises(DriftError, match="not in the warehouse"):
        compute_drift(w, "missing", report_dir=tmp_path / "r")


def test_build_report_handles_families_missing_from_one_side() -> None:
    ref = samples("a", "a")
    cur = samples("b", "b", eval_date=date(2026, 11, 2)).filter(pl.col("family") != "zeta")
    _, rows = build_report(cur, ref, DriftConfig())
    assert set(rows["family"].drop_nulls()) == set(FAMILIES) - {"zeta"}
    assert rows.filter(pl.col("column_name") == "family")["drifted"].to_list() == [True]


def test_stored_drift_loads_back_for_the_asset_check(world) -> None:
    _, w, runs = world
    computed = compute_drift(w, runs["cap"], report_dir=w.root / "r")
    with WarehouseReader(w.root) as r:
        loaded = load_drift(r, runs["cap"])
        assert load_drift(r, runs["ref"]) is None
    assert loaded.report == computed.report and loaded.rows.equals(computed.rows)
    assert drift_check(loaded) == drift_check(computed) and not drift_check(loaded).passed
