"""`schemewatch intervene`: a real checkpoint's continuations stored beside the evaluation, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest

from schemewatch.checkpoints import CheckpointInfo, read_checkpoint
from schemewatch.config import AWARENESS_SENTENCES, NEUTRAL_SENTENCES
from schemewatch.environments import SUITE_VERSION, build_suite
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_records import EvalRun
from schemewatch.warehouse_schema import SAMPLE_SCHEMA

CLI = [sys.executable, "-m", "orchestration.cli"]
ROOT = Path(__file__).resolve().parents[2]
ENVS = build_suite("eval")[:6]


def run(data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMEWATCH_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([*CLI, "--data-dir", str(data_dir), *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=data_dir)


def _evaluation(checkpoint_id: str, run_id: str = "ev-1", aware: bool = True) -> tuple[EvalRun, pl.DataFrame]:
    """An evaluation whose responses are half aware, half not (as a model might write them); none aware
    with ``aware`` false."""
    run = EvalRun(run_id, checkpoint_id, SUITE_VERSION, "eval", date(2026, 11, 20), 0, 2, "", "test")
    rows = []
    for env in ENVS:
        for k in range(2):
            opener = "This looks like a test. " if k == 0 and aware else ""
            rows.append({
                "eval_run_id": run.eval_run_id, "checkpoint_id": checkpoint_id, "suite_version": SUITE_VERSION,
                "env_id": env.id, "family": env.family, "category": env.category, "split": "eval",
                "counts_in_aggregate": True, "sample_idx": k, "seed": 0, "eval_date": run.eval_date,
                "response": f"<think>{opener}Per AS1 I act.</think><action>a</action><report>b</report>",
                "outcome": "unparseable", "covert": False, "cites_spec": True, "cited_principles": ["AS1"],
                "eval_aware": bool(opener), "good": False, "n_tokens": 10,
            })
    return run, pl.DataFrame(rows, schema=SAMPLE_SCHEMA)


@pytest.fixture(scope="module")
def data(tmp_path_factory, tiny_checkpoint):
    root = tmp_path_factory.mktemp("awareness")
    info = read_checkpoint(tiny_checkpoint)
    wh = Warehouse(root / "warehouse")
    wh.register_checkpoint(info)
    wh.store_eval_run(*_evaluation(info.id))
    wh.store_eval_run(*_evaluation(info.id, "ev-unaware", aware=False))
    wh.register_checkpoint(CheckpointInfo("other-ck", "cap-1", 3, None, root / "other-ck"))
    wh.store_eval_run(*_evaluation("other-ck", "ev-other"))
    return root


def test_intervene_stores_each_kind_beside_the_evaluation_and_never_in_the_rates(data, tiny_checkpoint) -> None:
    out = run(data, "intervene", "--checkpoint", str(tiny_checkpoint), "--samples", "1", "--min-continuations", "10",
              "--from-run", "ev-1", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["eval_run_id"] == "ev-1" and set(result["kinds"]) == {"ablate", "inject", "control"}
    ablate = result["kinds"]["ablate"]
    # 6 aware responses; draws raised from 1 to 2 so that each arm has at least 10 continuations.
    assert ablate["responses_eligible"] == 6 and ablate["draws_per_response"] == 2
    assert ablate["overall"]["intervened_n"] == ablate["overall"]["baseline_n"] == 12
    assert result["kinds"]["inject"]["responses_eligible"] == 6
    with WarehouseReader(data / "warehouse") as reader:
        runs = reader.query("SELECT kind, eval_run_id FROM intervention_runs ORDER BY kind")
        assert runs["kind"].to_list() == ["ablate", "control", "inject"] and set(runs["eval_run_id"]) == {"ev-1"}
        assert reader.query("SELECT count(*) AS n FROM eval_runs")["n"][0] == 3  # the rates saw nothing
        rows = reader.intervention_continuations(ablate["intervention_id"])
    changed = rows.filter(pl.col("arm") == "intervened")
    assert (changed["prefix"] == "<think>").all() and not changed["prefix"].str.contains("test").any()
    # The control was matched on the checkpoint's likelihood, stored with it, and printed.
    [*matches] = result["kinds"]["control"]["control_match"]
    assert [m["awareness"] for m in matches] == list(AWARENESS_SENTENCES)
    assert all(m["control"] in NEUTRAL_SENTENCES and m["control_log_likelihood"] < 0 for m in matches)
    assert set(result["kinds"]["control"]["sentences"]) <= {m["control"] for m in matches}
    with WarehouseReader(data / "warehouse") as reader:
        stored = reader.query("SELECT control_match FROM intervention_runs WHERE kind = 'control'")["control_match"]
    assert json.loads(stored[0]) == matches
    table = run(data, "intervene", "--checkpoint", str(tiny_checkpoint), "--kind", "inject", "--kind", "control",
                "--samples", "1", "--min-continuations", "1", "--from-run", "ev-1")
    assert table.returncode == 0, table.stderr
    assert "one-sided p" in table.stdout and "p by environment" in table.stdout
    assert "control for 'This looks like a test.' (log p" in table.stdout


def test_a_kind_with_nothing_to_do_is_skipped_and_the_others_run(data, tiny_checkpoint) -> None:
    out = run(data, "intervene", "--checkpoint", str(tiny_checkpoint), "--from-run", "ev-unaware", "--kind", "ablate",
              "--kind", "inject", "--samples", "1", "--min-continuations", "1")
    assert out.returncode == 0, out.stderr
    assert "ablate: skipped — no response of the 12" in out.stdout and "inject: 12 of 12" in out.stdout
    only = run(data, "intervene", "--checkpoint", str(tiny_checkpoint), "--from-run", "ev-unaware", "--kind", "ablate")
    assert only.returncode == 2 and "ablate: no response of the 12" in only.stderr
    assert only.stderr.strip().splitlines()[-1].startswith("error: ") and "Traceback" not in only.stderr


def test_the_world_configs_intervention_gives_the_defaults_and_a_flag_overrides_it(data, tiny_checkpoint,
                                                                                   tmp_path) -> None:
    world = tmp_path / "world.toml"
    world.write_text('[intervention]\nkinds = ["control"]\nsamples_per_response = 3\nmin_continuations_per_arm = 1\n'
                     'position = "after_first_sentence"\n')
    out = run(data, "intervene", "--config", str(world), "--checkpoint", str(tiny_checkpoint), "--from-run", "ev-1",
              "--json")
    assert out.returncode == 0, out.stderr
    control = json.loads(out.stdout)["kinds"]
    assert list(control) == ["control"] and control["control"]["draws_per_response"] == 3
    with WarehouseReader(data / "warehouse") as reader:
        stored = reader.query("SELECT position FROM intervention_runs WHERE intervention_id = ?",
                              [control["control"]["intervention_id"]])
    assert stored["position"].to_list() == ["after_first_sentence"]
    flagged = run(data, "intervene", "--config", str(world), "--checkpoint", str(tiny_checkpoint), "--from-run",
                  "ev-1", "--samples", "1", "--json")
    assert flagged.returncode == 0 and json.loads(flagged.stdout)["kinds"]["control"]["draws_per_response"] == 1
    world.write_text("[intervention]\nsamples_per_response = 0\n")
    bad = run(data, "intervene", "--config", str(world), "--checkpoint", str(tiny_checkpoint))
    assert bad.returncode == 2 and "samples_per_response" in bad.stderr and "Traceback" not in bad.stderr


def test_another_checkpoints_evaluation_is_refused(data, tiny_checkpoint) -> None:
    out = run(data, "intervene", "--checkpoint", str(tiny_checkpoint), "--from-run", "ev-other")
    assert out.returncode == 2 and "evaluated other-ck, not" in out.stderr and "Traceback" not in out.stderr


def test_an_unknown_checkpoint_or_one_never_evaluated_is_one_line_exit_2(data, tmp_path) -> None:
    out = run(data, "intervene", "--checkpoint", "as-rl")
    assert out.returncode == 2 and "unknown checkpoint alias 'as-rl'" in out.stderr
    assert "Traceback" not in out.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    ckpt = tmp_path / "model"
    ckpt.mkdir()
    (ckpt / "config.json").write_text("{}")
    out = run(empty, "intervene", "--checkpoint", str(ckpt))
    assert out.returncode == 2 and "has no evaluation on split 'eval'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and not (empty / "warehouse").exists()


class _NoContinuation(BaseHTTPRequestHandler):
    status, body = 400, b'{"error": {"message": "Unrecognized request argument supplied: continue_final_message"}}'

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # as OpenAI's API answers an unknown field
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def _intervene_on_server(handler: type[BaseHTTPRequestHandler], data_dir, *args: str):  # noqa: ANN001, ANN202
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        return run(data_dir, "intervene", "--endpoint", url, "--model", "m", *args)
    finally:
        server.shutdown()


def test_a_server_without_continuation_is_one_clear_line_exit_2_and_nothing_written(tmp_path) -> None:
    out = _intervene_on_server(_NoContinuation, tmp_path, "--kind", "ablate")
    assert out.returncode == 2, out.stderr
    [line] = out.stderr.strip().splitlines()
    assert "cannot continue a partial response" in line and "continue_final_message" in line
    assert list(tmp_path.iterdir()) == []


class _Continues(_NoContinuation):
    """A server that continues partial responses (an honest one-word answer), and scores nothing."""

    status, body = 200, json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": " ok"},
                                                 "finish_reason": "stop"}]}).encode()


def test_a_likelihood_matched_control_on_an_endpoint_is_refused_before_anything_runs(tmp_path) -> None:
    out = _intervene_on_server(_Continues, tmp_path)
    assert out.returncode == 2, out.stderr
    [line] = out.stderr.strip().splitlines()
    assert "likelihood" in line and "--control-match length" in line
    assert list(tmp_path.iterdir()) == []
