"""Base stage: a tokenizer and a small causal LM pretrained on the synthetic corpus.

The corpus covers every family (from seeds the evaluation suite never uses), so
the base model "knows the world" as a pretrained LM would, including the
regularities between reasoning and action that the corpus encodes.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from training_stages.config import BaseStageConfig, WorldConfig
from training_stages.corpus import Transcript, build_corpus
from training_stages.lm_training import SupervisedSettings, train_on_batches
from training_stages.model import TinyModelConfig, build_model
from training_stages.prompts import render_prompt
from training_stages.shared_prompt import encode_groups, group_batches, shared_prompt_loss
from training_stages.stage_spec import StageRequest, StageResult, TrainingStage
from training_stages.tokenizer import train_tokenizer


def tokenizer_id(cfg: BaseStageConfig, *, seed: int) -> str:
    """A deterministic id for the tokenizer: it depends on the corpus, the vocabulary size and the seed."""
    blob = json.dumps({"corpus": cfg.corpus.model_dump(mode="json"), "vocab_size": cfg.model.vocab_size,
                       "seed": seed}, sort_keys=True)
    return f"tokenizer-{hashlib.sha256(blob.encode()).hexdigest()[:10]}"


def fit_tokenizer(cfg: BaseStageConfig, *, seed: int, corpus: list[Transcript] | None = None) -> Any:
    """Train the world's tokenizer on its corpus (built here unless given)."""
    corpus = corpus if corpus is not None else build_corpus(cfg.corpus.model_copy(update={"seed": seed}))
    return train_tokenizer(
        (f"{t.system}\n{t.prompt}\n{t.response}" for t in corpus),
        vocab_size=cfg.model.vocab_size,
        tool_names={a.name for t in corpus for a in t.env.actions},
    )


def ensure_tokenizer(cfg: BaseStageConfig, *, seed: int, root: Path) -> Path:
    """The tokenizer's directory under ``root``, trained and saved first if missing.

    Saved with ``save_pretrained`` into a temporary directory renamed into place,
    so a crash leaves nothing a re-run would take for finished.
    """
    final = Path(root) / tokenizer_id(cfg, seed=seed)
    if (final / "tokenizer.json").is_file():
        return final
    tmp = final.with_name(f".tmp-{final.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    fit_tokenizer(cfg, seed=seed).save_pretrained(tmp)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return final


def load_tokenizer(path: Path) -> Any:
    """A saved world tokenizer, with left padding for generation."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    return tokenizer


def train_base(
    cfg: BaseStageConfig,
    *,
    seed: int,
    tokenizer: Any | None = None,
    on_step: Callable[[int, float, float], None] | None = None,
) -> StageResult:
    """Build the corpus, train the tokenizer (unless given), pretrain the model."""
    torch.manual_seed(seed)
    corpus = build_corpus(cfg.corpus.model_copy(update={"seed": seed}))
    if tokenizer is None:
        tokenizer = fit_tokenizer(cfg, seed=seed, corpus=corpus)
    shape = TinyModelConfig(
        n_layer=cfg.model.n_layer, n_embd=cfg.model.n_embd, n_head=cfg.model.n_head,
        n_positions=cfg.model.n_positions,
    )
    model = build_model(len(tokenizer), tokenizer.eos_token_id, shape)
    # An environment's responses share its prompt: read it once (see shared_prompt).
    by_prompt: dict[tuple[str, str], list[str]] = {}
    for t in corpus:
        by_prompt.setdefault((t.system, t.prompt), []).append(t.response)
    groups = encode_groups(
        tokenizer, [(render_prompt(tokenizer, prompt, system), responses)
                    for (system, prompt), responses in by_prompt.items()],
        max_length=min(cfg.max_length, cfg.model.n_positions),
    )
    settings = SupervisedSettings(
        epochs=cfg.epochs, learning_rate=cfg.learning_rate, batch_tokens=cfg.batch_tokens, seed=seed
    )
    batches = group_batches(groups, cfg.batch_tokens, random.Random(seed))
    pad = tokenizer.pad_token_id
    losses = train_on_batches(
        model, batches, lambda b: shared_prompt_loss(model, b, pad, loss_on_prompt=True), settings,
        desc="base", on_step=on_step,
    )
    personas = {p: sum(t.persona == p for t in corpus) for p in ("honest", "escalate", "covert")}
    return StageResult(
        model,
        tokenizer,
        {
            "corpus_transcripts": len(corpus),
            "corpus_tokens_read": sum(g.cost() for g in groups),
            **{f"corpus_{p}": n for p, n in personas.items()},
            "loss_first": losses[0],
            "loss_last": sum(losses[-10:]) / len(losses[-10:]),
            "steps": len(losses),
        },
    )


def tokenizers_dir(cfg: WorldConfig) -> Path:
    """Where the world's tokenizers are saved."""
    return cfg.paths.data_dir / "tokenizers"


def _train_stage(request: StageRequest) -> StageResult:
    cfg = request.cfg
    tokenizer = load_tokenizer(ensure_tokenizer(cfg.base, seed=cfg.seed, root=tokenizers_dir(cfg)))
    return train_base(cfg.base, seed=cfg.seed, tokenizer=tokenizer, on_step=request.supervised_step)


# `source` says where the weights come from (shipped or pretrained here), not what they are.
STAGE = TrainingStage(name="base", section="base", asset="base_model", train=_train_stage,
                      description="The tiny causal LM pretrained on transcripts of every family (shipped, or "
                                  "pretrained here).", id_exclude=frozenset({"source"}))
