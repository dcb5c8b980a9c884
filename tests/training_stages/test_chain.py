"""The chain on a tiny config: stages train, checkpoints reload, re-runs reuse, MLflow records."""

import pytest

from schemewatch.checkpoints import CheckpointStore
from training_stages import chain as chain_module
from training_stages.chain import plan_chain, run_chain
from training_stages.config import load_world_config
from training_stages.lm_training import TrainingDivergedError

TINY = {
    "anti_scheming": False,
    "base": {
        "source": "scratch",
        "corpus": {"envs_per_family": 2},
        "model": {"n_layer": 1, "n_embd": 32, "n_head": 2, "vocab_size": 400},
        "epochs": 1.0,
        "batch_tokens": 4096,
    },
    "capability": {
        "stages": 1,
        "envs_per_family": 1,
        "rl": {"steps": 1, "prompts_per_step": 2, "generations_per_prompt": 2, "max_new_tokens": 8},
    },
}


def tiny_config(tmp_path, **overrides):
    return load_world_config(None, TINY | {"paths": {"data_dir": str(tmp_path)}} | overrides)


def test_plan_names_every_stage_in_order(tmp_path) -> None:
    full = load_world_config(None, {"paths": {"data_dir": str(tmp_path)}})
    assert [p.stage for p in plan_chain(full)] == ["base", "as-sft", "as-rl", "cap-1", "cap-2", "cap-3"]
    assert [p.stage for p in plan_chain(tiny_config(tmp_path))] == ["base", "cap-1"]


def test_chain_trains_tracks_and_reuses(tmp_path) -> None:
    cfg = tiny_config(tmp_path)
    infos = run_chain(cfg, track=True, log=lambda _: None)
    assert [i.stage for i in infos] == ["base", "cap-1"]
    store = CheckpointStore(cfg.paths.checkpoints_dir)
    assert store.aliases() == {"base": infos[0].id, "noas-cap-1": infos[1].id}
    assert infos[1].parent_id == infos[0].id

    import mlflow

    mlflow.set_tracking_uri(cfg.paths.mlflow_uri)
    client = mlflow.MlflowClient()
    assert str(client.get_model_version_by_alias("schemewatch-default-world", "base").version) == "1"
    runs = client.search_runs(client.get_experiment_by_name("schemewatch-default-world").experiment_id)
    assert {r.info.run_name for r in runs} == {"base", "cap-1"}
    assert any(m.key == "loss" for r in runs for m in client.get_metric_history(r.info.run_id, "loss"))

    calls = []
    original = chain_module._train
    chain_module._train = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        again = run_chain(cfg, track=False, log=lambda _: None)
    finally:
        chain_module._train = original
    assert calls == [] and [i.id for i in again] == [i.id for i in infos]


def test_a_diverged_stage_saves_nothing(tmp_path, monkeypatch) -> None:
    def diverge(*_args, **_kwargs):
        raise TrainingDivergedError("base: loss is nan at step 3; lower the learning rate (nothing was saved)")

    monkeypatch.setattr(chain_module, "_train", diverge)
    cfg = tiny_config(tmp_path)
    with pytest.raises(TrainingDivergedError):
        run_chain(cfg, track=False, log=lambda _: None)
    checkpoints = cfg.paths.checkpoints_dir
    assert not checkpoints.exists() or not any(p.is_dir() for p in checkpoints.iterdir())


def test_unknown_stage_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ValueError, match="unknown stage"):
        run_chain(tiny_config(tmp_path), stages=["cap-9"], track=False)
