"""A checkpoint to benchmark on: the default world's base model in the data directory, else
the shipped base, else one of the same shape built from config (untrained weights
generate at the same speed)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from schemewatch.checkpoints import CheckpointNotFoundError, CheckpointStore


def benchmark_checkpoint(data_dir: str | Path = "data") -> tuple[Path, str]:
    """(checkpoint directory, a word on where it came from)."""
    try:
        return CheckpointStore(Path(data_dir) / "checkpoints").resolve("base").path, "default world base"
    except CheckpointNotFoundError:
        pass
    from training_stages.shipped_base import SHIPPED_BASE_DIR, ShippedBaseError, verify_shipped_base

    try:
        verify_shipped_base()
        return SHIPPED_BASE_DIR, "shipped default world base"
    except ShippedBaseError:
        pass
    import torch

    from schemewatch.environments import build_suite
    from training_stages.model import TinyModelConfig, build_model
    from training_stages.tokenizer import train_tokenizer

    torch.manual_seed(0)
    tokenizer = train_tokenizer((e.prompt for e in build_suite()), vocab_size=2000)
    model = build_model(len(tokenizer), tokenizer.eos_token_id, TinyModelConfig())
    path = Path(tempfile.mkdtemp(prefix="schemewatch-bench-")) / "untrained"
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path, "untrained model of the default shape"
