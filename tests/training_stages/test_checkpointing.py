"""Checkpoints: safetensors round trip, deterministic ids, clear errors, no half-written stage."""

import stat

import pytest
import torch

from schemewatch.checkpoints import CheckpointInfo, CheckpointNotFoundError, CheckpointStore
from schemewatch.files import ordinary_file_mode
from training_stages.checkpointing import checkpoint_id, is_complete, load_checkpoint, save_checkpoint
from training_stages.model import TinyModelConfig, build_model
from training_stages.tokenizer import train_tokenizer


@pytest.fixture(scope="module")
def model_and_tokenizer():
    tok = train_tokenizer(["<think>a</think><action>b</action><report>c</report>"] * 20, vocab_size=300)
    torch.manual_seed(0)
    return build_model(len(tok), tok.eos_token_id, TinyModelConfig(n_layer=1, n_embd=32, n_head=2)), tok


def test_ids_are_deterministic_and_depend_on_config_and_parent() -> None:
    a = checkpoint_id("as-sft", {"lr": 1}, "base-1")
    assert a == checkpoint_id("as-sft", {"lr": 1}, "base-1")
    assert a != checkpoint_id("as-sft", {"lr": 2}, "base-1") != checkpoint_id("as-sft", {"lr": 1}, "base-2")


def test_round_trip_gives_identical_outputs(tmp_path, model_and_tokenizer) -> None:
    model, tok = model_and_tokenizer
    info = CheckpointInfo("base-x", "base", 0, None, tmp_path / "base-x")
    save_checkpoint(model, tok, info, {"lr": 1}, {"loss": 1.0})
    assert is_complete(info.path) and (info.path / "model.safetensors").is_file()
    assert not list(info.path.glob("*.bin")) and not list(info.path.glob("*.pt"))
    loaded, loaded_tok = load_checkpoint(info.path)
    ids = torch.tensor([tok("<think>a</think>")["input_ids"]])
    with torch.no_grad():
        assert torch.equal(model(ids).logits, loaded(ids).logits)
    store = CheckpointStore(tmp_path)
    store.set_alias("base", "base-x")
    assert store.resolve("base").stage == "base" and store.list()[0].id == "base-x"
    # safetensors writes 0600; a dashboard running as another user must read the checkpoint.
    assert {stat.S_IMODE(p.stat().st_mode) for p in info.path.iterdir()} == {ordinary_file_mode()}
    stamp = (tmp_path / "aliases.json").stat().st_mtime_ns
    store.set_alias("base", "base-x")  # unchanged: nothing written
    assert (tmp_path / "aliases.json").stat().st_mtime_ns == stamp


def test_missing_and_corrupt_checkpoints_are_clear_errors(tmp_path, model_and_tokenizer) -> None:
    with pytest.raises(CheckpointNotFoundError, match="missing or incomplete"):
        load_checkpoint(tmp_path / "nope")
    model, tok = model_and_tokenizer
    info = CheckpointInfo("c", "base", 0, None, tmp_path / "c")
    save_checkpoint(model, tok, info, {}, {})
    (info.path / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointNotFoundError, match="corrupt"):
        load_checkpoint(info.path)
    (info.path / "schemewatch_checkpoint.json").write_text("{not json")
    assert not is_complete(info.path)
