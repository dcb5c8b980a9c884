"""Training asset bodies on a tiny world: each materialises, reuses, and reports its numbers."""

import random

import polars as pl
import pytest
from dagster import DagsterInstance, materialize

from assets import training as training_assets
from assets.training import anti_scheming_rollouts, anti_scheming_sft_data, as_artefacts_dir, tokenizer
from schemewatch.environments import Split, corpus_environments
from schemewatch.grading import grade
from schemewatch.spec import cited_principles
from tests.dagster_world import tiny_definitions
from training_stages.anti_scheming_sft import ROLLOUT_SCHEMA, _reasoning_cites_spec
from training_stages.chain import stage_ids
from training_stages.corpus import write_response


def _persona_rollouts(start_dir, cfg, *, seed):
    """Stand-in for sampling an untrained tiny model (which writes nothing parseable): scripted personas,
    half honest and spec-citing, half covert, graded by the real grader."""
    rng = random.Random(seed)
    rows = []
    for env in corpus_environments(cfg.envs_per_family, tag="test-rollouts", split=Split.TRAIN):
        for covert in (False, True):
            text, _ = write_response(env, rng, cite=not covert, covert=covert, aware=False, escalate=False)
            g = grade(env, text)
            rows.append({"env_id": env.id, "family": env.family, "prompt": env.prompt, "response": text,
                         "outcome": str(g.outcome), "covert": g.covert, "good": g.good,
                         "reasoning_cites_spec": _reasoning_cites_spec(text)})
    return pl.DataFrame(rows, schema=ROLLOUT_SCHEMA)


@pytest.fixture()
def world(tmp_path):
    defs = tiny_definitions(tmp_path, anti_scheming=True, stages=1)
    return defs, defs.resources["world"].load()


def test_tokenizer_is_trained_once_then_reused(world) -> None:
    defs, cfg = world
    first = materialize([tokenizer], resources=defs.resources)
    path = first.asset_materializations_for_node("tokenizer")[0].metadata["path"].value
    stamp = (cfg.paths.data_dir / "tokenizers").stat().st_mtime_ns
    again = materialize([tokenizer], resources=defs.resources)
    assert again.asset_materializations_for_node("tokenizer")[0].metadata["path"].value == path
    assert (cfg.paths.data_dir / "tokenizers").stat().st_mtime_ns == stamp


def test_anti_scheming_assets_roll_out_select_and_fine_tune(world, monkeypatch) -> None:
    defs, cfg = world
    monkeypatch.setattr(training_assets, "sample_rollouts", _persona_rollouts)
    instance = DagsterInstance.ephemeral()
    stage_assets = {a.key.to_user_string(): a for a in training_assets.training_assets(cfg)}
    base_model, anti_scheming_sft_model = stage_assets["base_model"], stage_assets["anti_scheming_sft_model"]
    result = materialize([tokenizer, base_model, anti_scheming_rollouts, anti_scheming_sft_data,
                          anti_scheming_sft_model], resources=defs.resources, instance=instance)
    assert result.success
    rollouts_meta = result.asset_materializations_for_node("anti_scheming_rollouts")[0].metadata
    sampled = rollouts_meta["rollouts_sampled"].value
    kept = rollouts_meta["rollouts_kept"].value
    assert sampled == 2 * len(corpus_environments(cfg.as_sft.envs_per_family, tag="x", split=Split.TRAIN))
    assert 0 < kept < sampled and rollouts_meta["dropped_covert"].value == sampled // 2
    data = pl.read_parquet(as_artefacts_dir(cfg) / "sft_data.parquet")
    assert data.height == kept
    # The default trains on the reasoning only: every pair ends at </think> and cites the spec.
    assert data["response"].str.ends_with("</think>").all()
    assert data["response"].map_elements(lambda r: bool(cited_principles(r)), return_dtype=pl.Boolean).all()
    sft_meta = result.asset_materializations_for_node("anti_scheming_sft_model")[0].metadata
    assert sft_meta["checkpoint_id"].value == stage_ids(cfg)["as-sft"]
    assert sft_meta["parent_id"].value == stage_ids(cfg)["base"]
    assert sft_meta["sft_examples"].value == kept
    # Tracking is switched off in this world's resources: no MLflow store may appear.
    assert not (cfg.paths.data_dir / "mlflow.db").exists()
    # A second run over finished stages writes nothing (it used to rewrite sft_data.parquet and aliases.json).
    written = [as_artefacts_dir(cfg) / "sft_data.parquet", cfg.paths.data_dir / "checkpoints" / "aliases.json"]
    stamps = [p.stat().st_mtime_ns for p in written]
    again = materialize([anti_scheming_sft_data, anti_scheming_sft_model], resources=defs.resources,
                        instance=instance)
    assert again.success and [p.stat().st_mtime_ns for p in written] == stamps


def test_a_stage_without_its_parent_is_a_clear_error(world) -> None:
    defs, _ = world
    result = materialize([anti_scheming_rollouts], resources=defs.resources, raise_on_error=False)
    assert not result.success
    error = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error
    messages = []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    assert any("needs base" in m and "run `schemewatch train`" in m for m in messages)


def test_a_new_training_stage_is_one_module_and_one_registry_line(tmp_path, monkeypatch) -> None:
    """The README recipe "add a training stage": declare a TrainingStage, list it in STAGES; the chain, its
    Dagster asset, its alias and the stage names a config may use follow."""
    from training_stages import stages
    from training_stages.anti_scheming_rl import train_anti_scheming_rl
    from training_stages.chain import plan_chain
    from training_stages.config import load_world_config
    from training_stages.stage_spec import StageRequest, TrainingStage

    def polish(request: StageRequest):  # one more outcome-only RL step on the anti-scheming reward
        return train_anti_scheming_rl(request.start, request.cfg.as_rl, seed=request.cfg.seed,
                                      on_step=request.on_step)

    stage = TrainingStage(name="polish", section="as_rl", asset="polish_model", train=polish,
                          description="A throw-away stage between the base and the capability stages.")
    monkeypatch.setattr(stages, "STAGES", (*stages.STAGES[:-1], stage, stages.STAGES[-1]))
    defs = tiny_definitions(tmp_path, anti_scheming=False, stages=1)
    cfg = defs.resources["world"].load()
    assert [p.stage for p in plan_chain(cfg)] == ["base", "polish", "cap-1"]
    chain = training_assets.training_assets(cfg)
    assert [a.key.to_user_string() for a in chain] == ["tokenizer", "base_model", "polish_model",
                                                       "capability_stage_1_model"]
    result = materialize(chain[:3], resources=defs.resources, instance=DagsterInstance.ephemeral())
    assert result.success
    meta = result.asset_materializations_for_node("polish_model")[0].metadata
    assert meta["checkpoint_id"].value == stage_ids(cfg)["polish"]
    assert meta["parent_id"].value == stage_ids(cfg)["base"]
    assert {"reward_first_quarter", "reward_last_quarter", "kl_to_start"} <= set(meta), sorted(meta)  # an RL run
    assert load_world_config(None, {"alerts": {"skip_stages": ["base", "polish"]}}).alerts.skip_stages[1] == "polish"
