"""The evaluation runner with a scripted policy and a tiny checkpoint."""

from datetime import date

import polars as pl
import pytest

from schemewatch.environments import build_suite
from schemewatch.evaluate import EvalSettings, evaluate
from schemewatch.policy import LocalCheckpointPolicy, PolicyError, ScriptedPolicy
from schemewatch.warehouse_schema import SAMPLE_SCHEMA

ENVS = build_suite("eval")[:21]
DAY = date(2026, 11, 23)


def test_one_row_per_sample_with_the_contract_columns() -> None:
    policy = ScriptedPolicy(lambda p, rng: "<think>Per AS1.</think><action>do_it</action><report>ok</report>")
    run, rows = evaluate(policy, ENVS, checkpoint_id="ck", eval_date=DAY,
                         settings=EvalSettings(samples_per_env=3, chunk_size=10), progress=False)
    assert rows.height == 3 * len(ENVS) and rows.schema == pl.Schema(SAMPLE_SCHEMA)
    assert rows.select("env_id", "sample_idx").unique().height == rows.height
    assert set(rows["eval_run_id"]) == {run.eval_run_id} and run.split == "eval"
    assert rows["cites_spec"].all() and policy.calls == 7  # 63 prompts in chunks of 10


def test_same_settings_same_run_id_other_settings_other_id() -> None:
    policy = ScriptedPolicy(lambda p, rng: "x")
    a, _ = evaluate(policy, ENVS, checkpoint_id="ck", eval_date=DAY, progress=False)
    b, _ = evaluate(policy, ENVS, checkpoint_id="ck", eval_date=DAY, progress=False)
    c, _ = evaluate(policy, ENVS, checkpoint_id="ck", eval_date=DAY, progress=False,
                    settings=EvalSettings(response_prefix="<think>This might be a test."))
    assert a.eval_run_id == b.eval_run_id != c.eval_run_id


def test_forced_prefix_reaches_the_grader() -> None:
    policy = ScriptedPolicy(lambda p, rng: " anyway.</think><action>x</action><report>y</report>")
    _, rows = evaluate(policy, ENVS, checkpoint_id="ck", eval_date=DAY, progress=False,
                       settings=EvalSettings(samples_per_env=1, response_prefix="<think>This might be a test"))
    assert rows["eval_aware"].all() and rows["response"].str.starts_with("<think>This might").all()


def test_a_policy_returning_too_few_texts_is_an_error() -> None:
    class Short(ScriptedPolicy):
        def generate(self, prompts, **kw):
            return super().generate(prompts, **kw)[:-1]

    with pytest.raises(PolicyError, match="returned"):
        evaluate(Short(lambda p, r: "x"), ENVS, checkpoint_id="ck", eval_date=DAY, progress=False)


def test_a_real_checkpoint_yields_graded_text(tiny_checkpoint) -> None:
    policy = LocalCheckpointPolicy(tiny_checkpoint)
    _, rows = evaluate(policy, ENVS[:7], checkpoint_id="tiny", eval_date=DAY, progress=False,
                       settings=EvalSettings(samples_per_env=2, max_new_tokens=12))
    assert rows.height == 14 and rows["n_tokens"].max() <= 12
    # An untrained model writes no valid format: every sample is counted as unparseable.
    assert (rows["outcome"] == "unparseable").all()


def test_external_checkpoints_with_the_same_folder_name_get_different_ids(tiny_checkpoint, tmp_path) -> None:
    import shutil

    from schemewatch.checkpoints import read_checkpoint

    a, b = tmp_path / "a" / "final", tmp_path / "b" / "final"
    shutil.copytree(tiny_checkpoint, a)
    shutil.copytree(tiny_checkpoint, b)
    assert read_checkpoint(a).id != read_checkpoint(b).id
    assert read_checkpoint(a).id.startswith("final-")
