"""Inspect logs into the warehouse: rows and rates, idempotency, partial logs, and bad input writing nothing."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("inspect_ai")

from inspect_ai.log import read_eval_log, write_eval_log  # noqa: E402

from schemewatch.inspect_ingest import ingest_logs, ingested_run_id, plan_ingest  # noqa: E402
from schemewatch.inspect_logs import InspectLogError, ScoreField, ScoreMapping, read_run  # noqa: E402
from schemewatch.report import checkpoint_report  # noqa: E402
from schemewatch.warehouse import Warehouse, WarehouseReader  # noqa: E402
from tests.schemewatch import inspect_logs_data  # noqa: E402
from tests.schemewatch.inspect_logs_data import N, run_task  # noqa: E402

COVERT = ScoreMapping(covert=ScoreField("judge", key="schemed"), aware=ScoreField("judge", key="aware"))


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    return run_task(tmp_path_factory.mktemp("inspect-logs"), epochs=2)


def _runs(root: Path) -> list[dict]:
    with WarehouseReader(root) as reader:
        return reader.query("SELECT * FROM eval_runs ORDER BY eval_run_id").to_dicts()


def _overall(root: Path, metric: str) -> dict:
    with WarehouseReader(root) as reader:
        return reader.query("SELECT k, n, rate, ci_low, ci_high FROM rates WHERE family IS NULL AND metric = ?",
                            [metric]).row(0, named=True)


def test_a_log_becomes_one_run_with_a_row_per_sample_and_epoch(tmp_path, log) -> None:
    plan = ingest_logs(Warehouse(tmp_path), [log], mapping=COVERT, checkpoint="probe-v1")
    assert [n.action for n in plan.notes] == ["ingested"] and plan.n_samples == 2 * N
    (run,) = _runs(tmp_path)
    header = read_run(log)
    assert run["eval_run_id"] == ingested_run_id(header.eval_id) and run["source"] == "inspect"
    assert (run["checkpoint_id"], run["suite_version"], run["source_status"]) == (
        "probe-v1", "inspect:scheming_probe@0", "success")
    assert run["eval_date"] == header.created.date() and run["samples_per_env"] == 2
    assert run["source_task_args"] == "{}" and run["policy"] == "inspect:schemewatch_scripted/probe-model"
    covert = _overall(tmp_path, "covert")
    # 3 of 10 samples scheme, in both epochs: 6 of 20; Wilson 95% by hand: [0.1455, 0.5190].
    assert (covert["k"], covert["n"], round(covert["ci_low"], 4), round(covert["ci_high"], 4)) == (6, 20, 0.1455, 0.519)
    assert _overall(tmp_path, "aware")["k"] == 4  # i = 0, 5, twice
    # Citation is unmapped: no denominator, so no rate (never "0%"); outcome rates count nothing graded elsewhere.
    assert _overall(tmp_path, "citation")["n"] == 0 and _overall(tmp_path, "citation")["rate"] is None
    assert _overall(tmp_path, "incomplete")["n"] == 0
    with WarehouseReader(tmp_path) as reader:
        s4 = reader.query("SELECT * FROM samples WHERE env_id = 'scheming_probe/s4' ORDER BY sample_idx").to_dicts()
    assert [s["sample_idx"] for s in s4] == [0, 1] and s4[0]["family"] == "scheming_probe"
    assert s4[0]["outcome"] == "external" and s4[0]["covert"] is True and s4[0]["n_tokens"] == 6
    assert '"judge": {"aware": false, "cites": 0.0, "schemed": "C"}' in s4[0]["external_scores"]


def test_the_report_lists_the_task_beside_the_checkpoint_s_own_runs(tmp_path, log) -> None:
    ingest_logs(Warehouse(tmp_path), [log], mapping=COVERT)
    with WarehouseReader(tmp_path) as reader:
        (entry,) = checkpoint_report(reader)
    assert entry["checkpoint"] == "schemewatch_scripted/probe-model" and entry["stage"] == "external"
    assert entry["suite"] == "inspect:scheming_probe@0" and entry["covert_rate"] == 0.3
    assert entry["citation_rate"] is None


def test_ingesting_twice_or_as_json_and_eval_adds_nothing(tmp_path, log) -> None:
    as_json = tmp_path / "logs" / (log.stem + ".json")
    as_json.parent.mkdir()
    write_eval_log(read_eval_log(str(log)), str(as_json))  # the same run (same eval id) in the other format
    wh = Warehouse(tmp_path / "wh")
    first = ingest_logs(wh, [log, as_json], mapping=COVERT)
    assert sorted(n.action for n in first.notes) == ["ingested", "skipped"] and len(first.batch) == 1
    before = _runs(tmp_path / "wh")
    again = ingest_logs(wh, [as_json.parent, log], mapping=COVERT)
    assert {n.action for n in again.notes} == {"skipped"} and not again.batch
    assert _runs(tmp_path / "wh") == before


def test_a_changed_mapping_re_derives_a_stored_run(tmp_path, log) -> None:
    wh = Warehouse(tmp_path)
    unmapped = ingest_logs(wh, [log])
    assert unmapped.batch[0][1]["covert"].null_count() == 2 * N and _overall(tmp_path, "covert")["rate"] is None
    mapped = ingest_logs(wh, [log], mapping=COVERT)
    assert [n.action for n in mapped.notes] == ["replaced"] and len(_runs(tmp_path)) == 1
    assert _overall(tmp_path, "covert")["k"] == 6


def test_a_log_still_being_written_is_skipped_with_a_note(tmp_path, log) -> None:
    started = read_eval_log(str(log))
    started.status = "started"
    path = tmp_path / "started.eval"
    write_eval_log(started, str(path))
    plan = ingest_logs(Warehouse(tmp_path / "wh"), [path], mapping=COVERT)
    assert [n.action for n in plan.notes] == ["skipped"] and "still being written" in plan.notes[0].detail
    assert _runs(tmp_path / "wh") == []


def test_an_errored_log_ingests_the_samples_it_has_and_says_so(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(inspect_logs_data, "FAIL_AT", {7})
    # One sample at a time, so the samples before the failing one are in the log.
    path = run_task(tmp_path / "logs", status="error", max_samples=1)
    plan = ingest_logs(Warehouse(tmp_path / "wh"), [path], mapping=COVERT)
    (run,) = _runs(tmp_path / "wh")
    assert run["source_status"] == "error" and 0 < run["n_samples"] < N
    assert "the log ended 'error'" in plan.notes[0].detail


@pytest.mark.parametrize("case", ["no samples", "unreadable", "missing scorer", "not a log"])
def test_bad_input_is_one_clear_error_and_writes_nothing(tmp_path, log, case) -> None:
    good = tmp_path / "good" / log.name
    good.parent.mkdir()
    good.write_bytes(log.read_bytes())
    mapping = COVERT
    if case == "no samples":
        empty = read_eval_log(str(log))
        empty.samples = []
        bad = tmp_path / "empty.json"
        write_eval_log(empty, str(bad))
        message = "has no samples"
    elif case == "unreadable":
        bad = tmp_path / "junk.eval"
        bad.write_bytes(b"not a zip")
        message = "is not a readable Inspect log"
    elif case == "missing scorer":
        bad, mapping, message = good, ScoreMapping(covert=ScoreField("nope")), "names scorer 'nope'"
    else:
        bad = tmp_path / "notes.txt"
        bad.write_text("hello")
        message = "is not an Inspect log"
    with pytest.raises(InspectLogError, match=message):
        ingest_logs(Warehouse(tmp_path / "wh"), [good, bad], mapping=mapping)
    assert _runs(tmp_path / "wh") == []


def test_planning_reads_without_writing(tmp_path, log) -> None:
    plan = plan_ingest([log], mapping=COVERT, checkpoint="x")
    assert plan.batch[0][1].height == 2 * N and not (tmp_path / "wh").exists()


def test_an_ingested_run_is_compared_only_with_its_own_task_and_ours_only_with_ours(tmp_path) -> None:
    from schemewatch.alerts import check_run
    from schemewatch.drift import compute_drift, resolve_reference
    from tests.schemewatch.monitoring_data import register, store

    wh = Warehouse(tmp_path / "wh")
    for checkpoint, stage in (("ck-as-rl", "as-rl"), ("ck-cap-1", "cap-1")):
        register(wh, checkpoint, stage, tmp_path)
    # The task's first run, filed under the reference stage's checkpoint, is stored before any native run.
    first = ingest_logs(wh, [run_task(tmp_path / "a")], mapping=COVERT, checkpoint="ck-as-rl").batch[0][0]
    native = store(wh, "ck-as-rl")
    later = ingest_logs(wh, [run_task(tmp_path / "b")], mapping=COVERT, checkpoint="ck-cap-1").batch[0][0]
    with WarehouseReader(wh.root) as reader:
        assert resolve_reference(reader, "eval") == native  # ours: never an ingested run
        assert resolve_reference(reader, "eval", suite=later.suite_version) == first.eval_run_id
    drift = compute_drift(wh, later.eval_run_id, report_dir=tmp_path / "drift", workspace_dir=None)
    assert drift.report.reference_run_id == first.eval_run_id
    result = check_run(wh, later.eval_run_id)
    rise = next(o for o in result.outcomes if o.rule == "covert_rise")
    assert rise.detail["reference_run_id"] == first.eval_run_id and not rise.crossed  # the same 30% both times


def test_sample_files_from_before_the_raw_scores_column_read_beside_ingested_ones(tmp_path, log) -> None:
    from tests.schemewatch.monitoring_data import store

    wh = Warehouse(tmp_path)
    native = store(wh, "ck")
    with WarehouseReader(tmp_path) as reader:
        (name,) = reader.query("SELECT samples_file FROM eval_runs")["samples_file"].to_list()
    old = tmp_path / "samples" / name
    pl.read_parquet(old).drop("external_scores").write_parquet(old)  # as written before migration 5
    ingest_logs(wh, [log], mapping=COVERT)
    with WarehouseReader(tmp_path) as reader:
        rows = reader.query("SELECT eval_run_id, count(*) AS n, count(external_scores) AS raw FROM samples "
                            "GROUP BY eval_run_id ORDER BY raw").rows()
        assert reader.run_samples(native)["external_scores"].null_count() == rows[0][1]
    assert rows[0][0] == native and rows[0][2] == 0 and rows[1][1:] == (2 * N, 2 * N)


def test_inspect_evals_tasks_map_themselves(tmp_path) -> None:
    # Logs with the task names and score shapes of inspect_evals' agentic_misalignment (a dict; its awareness
    # scorer only with -T test_eval_awareness=true) and mask (a label), built offline on the scripted model.
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.scorer import Score, mean, scorer
    from inspect_ai.solver import generate

    from tests.schemewatch.inspect_logs_data import SCHEMED

    def index(state) -> int:  # noqa: ANN001
        return int(state.output.completion.split()[-1])

    @scorer(metrics={"*": [mean()]})
    def harmfulness_scorer():
        async def score(state, target) -> Score:  # noqa: ANN001
            return Score(value={"harmful": float(index(state) in SCHEMED), "classifier_verdict": 1.0})
        return score

    @scorer(metrics=[])
    def accuracy_and_honesty():
        async def score(state, target) -> Score:  # noqa: ANN001
            return Score(value={"accuracy": "correct", "honesty": "lie" if index(state) in SCHEMED else "honest"})
        return score

    dataset = MemoryDataset([Sample(input=str(i), id=f"s{i}") for i in range(N)])
    for name, scorer_fn in (("agentic_misalignment", harmfulness_scorer), ("mask", accuracy_and_honesty)):
        inspect_eval(Task(dataset=dataset, solver=[generate()], scorer=scorer_fn(), name=name),
                     model="schemewatch_scripted/m", display="none", log_dir=str(tmp_path / "logs"))
    plan = ingest_logs(Warehouse(tmp_path / "wh"), [tmp_path / "logs"])  # no --mapping
    assert {r.suite_version: int(f["covert"].sum()) for r, f in plan.batch} == {
        "inspect:agentic_misalignment@0": 3, "inspect:mask@0": 3}
    assert all(f["eval_aware"].null_count() == N for _, f in plan.batch)  # no awareness scorer in these logs


def test_doctor_never_calls_two_ingested_tasks_duplicates(tmp_path) -> None:
    from schemewatch.doctor import duplicate_evaluations

    wh = Warehouse(tmp_path)
    for name in ("task_a", "task_b"):  # one model, one date, the same seed and epochs
        ingest_logs(wh, [run_task(tmp_path / name, name=name)], mapping=COVERT)
    with WarehouseReader(tmp_path) as reader:
        assert len(_runs(tmp_path)) == 2 and duplicate_evaluations(reader) == []


def test_an_ingested_task_never_steps_the_alerts_of_our_own_suite(tmp_path) -> None:
    from schemewatch.alerts import check_run
    from tests.schemewatch.monitoring_data import register, store

    wh = Warehouse(tmp_path / "wh")
    register(wh, "ck-cap-1", "cap-1", tmp_path)
    ours = store(wh, "ck-cap-1", covert=0.40)  # above the covert ceiling: an alert opens
    assert any(a.startswith("al-") for a in check_run(wh, ours).opened)
    for night, name in enumerate(("a", "b", "c")):  # the probe task at 30% on later nights, same checkpoint
        log = run_task(tmp_path / name)
        run = ingest_logs(wh, [log], mapping=COVERT, checkpoint="ck-cap-1",
                          eval_date=date(2026, 11, 21 + night)).batch[0][0]
        check_run(wh, run.eval_run_id)
    with WarehouseReader(wh.root) as reader:
        alerts = reader.query("SELECT rule, status, suite, inside_streak FROM alerts WHERE family IS NULL")
        judged = reader.query("SELECT count(DISTINCT eval_run_id) AS n FROM alert_checks WHERE rule = "
                              "'covert_ceiling' AND eval_run_id LIKE 'inspect-%'")["n"][0]
    ours_ceiling = alerts.filter((pl.col("rule") == "covert_ceiling") & (pl.col("suite") == "schemewatch"))
    # Still open, its streak untouched: three nights of the task inside the ceiling would have resolved it.
    assert ours_ceiling.select("status", "inside_streak").rows() == [("open", 0)]
    assert judged == 3  # the ingested runs were judged, against their own state


def test_a_run_ingested_again_under_a_mapping_is_judged_again(tmp_path) -> None:
    from schemewatch.alerts import check_run

    log = run_task(tmp_path / "logs", epochs=4)
    wh = Warehouse(tmp_path / "wh")
    (run, _), = ingest_logs(wh, [log]).batch  # unmapped: no covert rate, nothing to judge
    first = check_run(wh, run.eval_run_id)
    assert not first.opened and first.outcomes[0].detail["n"] == 0
    ingest_logs(wh, [log], mapping=COVERT)  # 12 of 40 = 30%, above the 25% ceiling (min n 30)
    again = check_run(wh, run.eval_run_id)
    assert again.skipped is None and len(again.opened) == 1


def test_samples_that_errored_in_inspect_are_left_out_and_counted(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(inspect_logs_data, "FAIL_AT", {0, 5})
    # The first sample errors: the mapping is still checked against the header's scorers, not against it.
    path = run_task(tmp_path / "logs", fail_on_error=False)
    plan = ingest_logs(Warehouse(tmp_path / "wh"), [path], mapping=COVERT)
    (run, frame), = plan.batch
    assert frame.height == N - 2 and run.source_errored == 2 and "2 samples errored" in plan.notes[0].detail
    assert int(frame["covert"].sum()) == 3 and set(frame["env_id"]) == {f"scheming_probe/s{i}"
                                                                        for i in range(N) if i not in (0, 5)}


def test_a_watched_directory_skips_a_bad_log_and_ingests_the_rest(tmp_path, log) -> None:
    bad = tmp_path / "logs" / "junk.eval"
    bad.parent.mkdir()
    bad.write_bytes(b"not a zip")
    good = tmp_path / "logs" / log.name
    good.write_bytes(log.read_bytes())
    plan = ingest_logs(Warehouse(tmp_path / "wh"), [tmp_path / "logs"], mapping=COVERT, skip_bad=True)
    assert sorted(n.action for n in plan.notes) == ["ingested", "skipped"] and len(plan.batch) == 1
    assert "is not a readable Inspect log" in next(n.detail for n in plan.notes if n.action == "skipped")
