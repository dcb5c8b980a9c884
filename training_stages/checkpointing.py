"""Saving and loading stage checkpoints: safetensors, the config that made them, their parent.

A checkpoint directory is written under a temporary name and renamed into
place only when complete, so a crash or a NaN never leaves a half checkpoint
that a re-run would mistake for a finished stage. Nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from schemewatch.checkpoints import (
    META_FILE,
    CheckpointInfo,
    CheckpointNotFoundError,
    read_checkpoint,
    write_checkpoint_meta,
)
from schemewatch.files import share_like_ordinary_files


def checkpoint_id(stage: str, stage_config: dict[str, Any], parent_id: str | None) -> str:
    """A deterministic id: same stage, config and parent → same id (so re-runs reuse)."""
    blob = json.dumps({"stage": stage, "config": stage_config, "parent": parent_id}, sort_keys=True, default=str)
    return f"{stage}-{hashlib.sha256(blob.encode()).hexdigest()[:10]}"


def is_complete(path: Path) -> bool:
    """Whether ``path`` holds a finished checkpoint."""
    try:
        read_checkpoint(path)
    except CheckpointNotFoundError:
        return False
    return (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file()


def save_checkpoint(
    model, tokenizer, info: CheckpointInfo, stage_config: dict[str, Any], metrics: dict[str, Any]  # noqa: ANN001
) -> None:
    """Write model (safetensors), tokenizer and metadata to ``info.path`` atomically."""
    final = info.path
    tmp = final.with_name(f".tmp-{final.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        staged = CheckpointInfo(info.id, info.stage, info.stage_index, info.parent_id, tmp)
        write_checkpoint_meta(staged, {"stage_config": stage_config, "metrics": metrics})
        share_like_ordinary_files(tmp)  # safetensors writes 0600; a dashboard may run as another user
    except BaseException:  # a full disk: no half checkpoint left behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def load_checkpoint(path: Path):  # noqa: ANN201 - (model, tokenizer)
    """Load a checkpoint for further training (safetensors only), with clear errors."""
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not is_complete(path):
        raise CheckpointNotFoundError(
            f"checkpoint {str(path)!r} is missing or incomplete; re-run `schemewatch train`"
        )
    try:
        model = AutoModelForCausalLM.from_pretrained(path, use_safetensors=True)
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError, SafetensorError) as exc:
        raise CheckpointNotFoundError(
            f"checkpoint {str(path)!r} is corrupt ({str(exc).splitlines()[0][:120]}); "
            "delete it and re-run `schemewatch train`"
        ) from None
    tokenizer.padding_side = "left"
    return model, tokenizer


def checkpoint_metrics(path: Path) -> dict[str, Any]:
    """The summary metrics a stage saved beside its checkpoint ({} if none)."""
    meta = path / META_FILE
    if not meta.is_file():
        return {}
    return dict(json.loads(meta.read_text(encoding="utf-8")).get("metrics", {}))
