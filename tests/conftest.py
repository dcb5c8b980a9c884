"""Shared fixtures: a tiny (untrained) transformers checkpoint built locally."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Inspect AI keeps traces and sample buffers under $XDG_DATA_HOME/inspect_ai: the tests' go to a temporary
# directory, not the user's home (set before any test imports inspect_ai; subprocesses inherit it).
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="schemewatch-tests-xdg-")


@pytest.fixture(autouse=True)
def _mlflow_uri_stays_per_test():
    """``mlflow.set_tracking_uri`` exports MLFLOW_TRACKING_URI; one test's store must not become the next one's."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


@pytest.fixture(autouse=True)
def _no_dagster_state_storage_left_from_another_test():
    """Each test starts without a "current" Dagster defs-state storage.

    Dagster keeps it in a context variable that ``with instance:`` sets (a module fixture
    here holds ``instance_for_test()`` open); one left pointing at an instance that has
    since been disposed made an unrelated later test fail with "unable to open database
    file" or "undefined DagsterInstance weakref", depending on the order tests ran in.
    """
    try:
        from dagster._core.storage.defs_state.base import set_defs_state_storage
    except ImportError:  # the library tests run without Dagster
        yield
        return
    with set_defs_state_storage(None):
        yield


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer GPT-2 with a locally trained tokenizer, saved as safetensors."""
    import torch

    from schemewatch.environments import build_suite
    from training_stages.model import TinyModelConfig, build_model
    from training_stages.tokenizer import train_tokenizer

    torch.manual_seed(0)
    texts = [e.prompt for e in build_suite()] * 2
    tokenizer = train_tokenizer(texts, vocab_size=600)
    model = build_model(len(tokenizer), tokenizer.eos_token_id, TinyModelConfig(n_layer=1, n_embd=32, n_head=2))
    path = tmp_path_factory.mktemp("ckpt") / "tiny"
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path
