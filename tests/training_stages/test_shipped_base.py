"""The shipped pretrained base: hash-checked, matched to the config, installed into a store, rebuilt by export."""

import json
import shutil

import pytest
from click.testing import CliRunner

from orchestration.cli import cli
from training_stages.chain import ensure_stage, stage_ids
from training_stages.config import BaseStageConfig, load_world_config
from training_stages.shipped_base import (
    MANIFEST_FILE,
    REBUILD_COMMAND,
    SHIPPED_BASE_DIR,
    ShippedBaseError,
    config_mismatch,
    export_base,
    read_manifest,
    shipped_base_id,
    verify_shipped_base,
)


def test_the_committed_base_matches_its_manifest_and_the_default_config() -> None:
    manifest = verify_shipped_base()
    assert manifest["command"] == REBUILD_COMMAND and manifest["corpus_sha256"]
    assert {"platform", "cpus", "torch"} <= manifest["machine"].keys() and manifest["train_seconds"] > 0
    assert config_mismatch(BaseStageConfig()) == []
    assert sum(p.stat().st_size for p in SHIPPED_BASE_DIR.iterdir()) < 25 * 2**20
    assert shipped_base_id() == f"base-{manifest['sha256'][:10]}"


def _copy(tmp_path):  # noqa: ANN001, ANN202
    folder = tmp_path / "default_base"
    shutil.copytree(SHIPPED_BASE_DIR, folder)
    read_manifest.cache_clear()
    return folder


def test_an_altered_file_is_refused_with_the_rebuild_command(tmp_path) -> None:
    folder = _copy(tmp_path)
    with open(folder / "model.safetensors", "r+b") as f:
        f.seek(4096)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(ShippedBaseError, match="model.safetensors does not match") as err:
        verify_shipped_base(folder)
    assert REBUILD_COMMAND in str(err.value)


def test_a_missing_file_is_named(tmp_path) -> None:
    folder = _copy(tmp_path)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ShippedBaseError, match="lacks tokenizer.json"):
        verify_shipped_base(folder)


def test_a_missing_manifest_is_one_clear_error(tmp_path) -> None:
    folder = _copy(tmp_path)
    (folder / MANIFEST_FILE).unlink()
    with pytest.raises(ShippedBaseError, match="manifest .* cannot be read"):
        verify_shipped_base(folder)


def test_another_base_config_names_the_fields_and_the_way_out(tmp_path) -> None:
    cfg = load_world_config(None, {"base": {"epochs": 1.0, "corpus": {"envs_per_family": 3}},
                                   "paths": {"data_dir": str(tmp_path)}})
    assert config_mismatch(cfg.base) == ["corpus.envs_per_family", "epochs"]
    with pytest.raises(ShippedBaseError, match=r"differs in: corpus.envs_per_family, epochs.*--from-scratch"):
        ensure_stage(cfg, "base", track=False, log=lambda _: None)
    assert not (tmp_path / "checkpoints").exists() or not any((tmp_path / "checkpoints").iterdir())



def test_a_field_added_after_the_base_was_trained_matches_at_its_default_only(tmp_path) -> None:
    folder = _copy(tmp_path)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    corpus = manifest["base_config"]["corpus"]
    corpus.pop("p_neutral_opener", None)  # as a manifest written before the field existed
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    read_manifest.cache_clear()
    at_default = BaseStageConfig(corpus=BaseStageConfig().corpus.model_copy(update={"p_neutral_opener": 0.0}))
    assert config_mismatch(at_default, folder) == []
    other = at_default.model_copy(update={"corpus": at_default.corpus.model_copy(update={"p_neutral_opener": 0.5})})
    assert config_mismatch(other, folder) == ["corpus.p_neutral_opener"]
    corpus["a_field_since_removed"] = 1  # a manifest the model no longer reads: the field is named, not dropped
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    read_manifest.cache_clear()
    assert "corpus.a_field_since_removed" in config_mismatch(at_default, folder)
    read_manifest.cache_clear()

def test_the_shipped_base_installs_as_a_checkpoint_whatever_the_seed(tmp_path) -> None:
    cfg = load_world_config(None, {"seed": 1, "paths": {"data_dir": str(tmp_path)}})
    assert stage_ids(cfg)["base"] == shipped_base_id() == stage_ids(cfg.model_copy(update={"seed": 2}))["base"]
    assert stage_ids(cfg)["as-sft"] != stage_ids(cfg.model_copy(update={"seed": 2}))["as-sft"]
    info = ensure_stage(cfg, "base", track=False, log=lambda _: None)
    assert info.id == shipped_base_id() and (info.path / "model.safetensors").is_file()
    meta = json.loads((info.path / "schemewatch_checkpoint.json").read_text())
    assert meta["shipped"]["sha256"] == read_manifest()["sha256"]
    assert ensure_stage(cfg, "base", track=False, log=lambda _: None).id == info.id  # reused


def test_export_writes_a_folder_that_verifies(tiny_checkpoint, tmp_path) -> None:
    base = BaseStageConfig(source="scratch", corpus={"envs_per_family": 1})
    manifest = export_base(tiny_checkpoint, tmp_path / "exported", base_config=base, seed=0, seconds=1.5,
                           metrics={"steps": 3, "note": "text is dropped"})
    assert verify_shipped_base(tmp_path / "exported") == manifest
    assert manifest["metrics"] == {"steps": 3} and "source" not in manifest["base_config"]
    assert not list(tmp_path.glob(".tmp-*"))


def test_export_base_needs_from_scratch() -> None:
    result = CliRunner().invoke(cli, ["train", "--stages", "base", "--export-base", "somewhere"])
    assert result.exit_code == 2 and "add --from-scratch" in result.output
