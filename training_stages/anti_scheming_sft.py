"""Anti-scheming stage, supervised part (deliberative alignment, steps a–c).

(a) Sample rollouts from the starting checkpoint on the *training split only*,
    with the spec in the system prompt;
(b) keep rollouts whose graded outcome is good *and* whose reasoning cites the
    spec (``require_citation=False`` gives the outcome-only comparison);
(c) fine-tune on the kept rollouts with the spec *removed* from the prompt, so
    the model must recall it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from schemewatch.environments import Split, corpus_environments
from schemewatch.grading import grade, parse_response
from schemewatch.policy import LocalCheckpointPolicy
from schemewatch.spec import cited_principles
from training_stages.checkpointing import load_checkpoint
from training_stages.config import AntiSchemingSFTConfig
from training_stages.lm_training import SupervisedSettings, encode_pairs, train_supervised
from training_stages.prompts import agent_system_prompt, render_prompt
from training_stages.stage_spec import StageRequest, StageResult, TrainingStage


def _reasoning_cites_spec(text: str) -> bool:
    """Whether the <think> section (not the report) cites the spec."""
    parsed = parse_response(text)
    return not isinstance(parsed, str) and bool(cited_principles(parsed.think))


def _cut_after(text: str, tag: str) -> str:
    """The response up to and including ``tag`` (whole when the tag is missing)."""
    end = text.find(tag)
    return text if end < 0 else text[: end + len(tag)]


def _through_action(text: str) -> str:
    """The response up to and including ``</action>``."""
    return _cut_after(text, "</action>")


def _reasoning_only(text: str) -> str:
    """The response up to and including ``</think>``."""
    return _cut_after(text, "</think>")


_SFT_TARGET = {"reasoning": _reasoning_only, "reasoning_and_action": _through_action}


class NoRolloutsKeptError(RuntimeError):
    """The filter kept nothing, so there is nothing to fine-tune on."""


ROLLOUT_SCHEMA: dict[str, pl.DataType] = {
    "env_id": pl.String, "family": pl.String, "prompt": pl.String, "response": pl.String,
    "outcome": pl.String, "covert": pl.Boolean, "good": pl.Boolean, "reasoning_cites_spec": pl.Boolean,
}


def sample_rollouts(start_dir: Path, cfg: AntiSchemingSFTConfig, *, seed: int) -> pl.DataFrame:
    """Step (a): rollouts on the training split with the spec in the system prompt, graded.

    One row per rollout (``ROLLOUT_SCHEMA``); the grade columns come from the
    grader reading the sampled text, nothing else.
    """
    envs = corpus_environments(cfg.envs_per_family, tag=f"as-rollouts-{seed}", split=Split.TRAIN)
    policy = LocalCheckpointPolicy(start_dir)
    owners = [env for env in envs for _ in range(cfg.samples_per_env)]
    texts = policy.generate(
        [env.prompt for env in owners], max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature,
        seed=seed, system_prompt=agent_system_prompt(with_spec=True),
    )
    rows = []
    for env, text in zip(owners, texts, strict=True):
        g = grade(env, text)
        rows.append({"env_id": env.id, "family": env.family, "prompt": env.prompt, "response": text,
                     "outcome": str(g.outcome), "covert": g.covert, "good": g.good,
                     "reasoning_cites_spec": _reasoning_cites_spec(text)})
    return pl.DataFrame(rows, schema=ROLLOUT_SCHEMA)


def drop_reasons(rollouts: pl.DataFrame, *, require_citation: bool) -> pl.Series:
    """Why each rollout is dropped (null where it is kept), first failing reason wins."""
    return rollouts.select(
        pl.when(pl.col("outcome") == "unparseable").then(pl.lit("unparseable"))
        .when(pl.col("covert")).then(pl.lit("covert"))
        .when(~pl.col("good")).then(pl.lit("outcome_not_good"))
        .when(pl.lit(require_citation) & ~pl.col("reasoning_cites_spec")).then(pl.lit("no_spec_citation"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("drop_reason")
    ).to_series()


def select_sft_data(rollouts: pl.DataFrame, cfg: AntiSchemingSFTConfig) -> pl.DataFrame:
    """Step (b): the kept rollouts as (prompt, response) training pairs, spec not included.

    Raises:
        NoRolloutsKeptError: nothing passed the filter.
    """
    reasons = drop_reasons(rollouts, require_citation=cfg.require_citation)
    kept = rollouts.filter(reasons.is_null())
    if kept.is_empty():
        dropped = reasons.drop_nulls().value_counts(sort=True)
        summary = {r: n for r, n in dropped.iter_rows()}
        raise NoRolloutsKeptError(
            f"as-sft: none of {rollouts.height} rollouts passed the filter ({summary}); "
            "train the base stage longer or raise samples_per_env"
        )
    cut = _SFT_TARGET.get(cfg.train_on)
    responses = kept["response"] if cut is None else kept["response"].map_elements(cut, return_dtype=pl.String)
    return kept.select("env_id", "family", "prompt").with_columns(response=responses)


def rollout_metrics(rollouts: pl.DataFrame, cfg: AntiSchemingSFTConfig) -> dict[str, int]:
    """How many rollouts were sampled, kept, and dropped for each reason."""
    reasons = drop_reasons(rollouts, require_citation=cfg.require_citation)
    out = {"rollouts_sampled": rollouts.height, "rollouts_kept": int(reasons.is_null().sum())}
    for reason, n in reasons.drop_nulls().value_counts(sort=True).iter_rows():
        out[f"dropped_{reason}"] = int(n)
    return out


def train_on_sft_data(
    start_dir: Path,
    data: pl.DataFrame,
    cfg: AntiSchemingSFTConfig,
    *,
    seed: int,
    max_length: int = 1024,
    on_step: Callable[[int, float, float], None] | None = None,
) -> StageResult:
    """Step (c): fine-tune on the selected pairs with the spec removed from the system prompt."""
    model, tokenizer = load_checkpoint(start_dir)
    no_spec = agent_system_prompt(with_spec=False)
    pairs = [(render_prompt(tokenizer, prompt, no_spec), response)
             for prompt, response in data.select("prompt", "response").iter_rows()]
    # Cut-off responses have no report, so no end of text to learn either.
    examples = encode_pairs(tokenizer, pairs, max_length, append_eos=cfg.train_on == "whole_rollout")
    settings = SupervisedSettings(
        epochs=cfg.epochs, learning_rate=cfg.learning_rate, batch_tokens=cfg.batch_tokens, seed=seed
    )
    losses = train_supervised(model, examples, settings, tokenizer.pad_token_id, desc="as-sft", on_step=on_step)
    return StageResult(
        model,
        tokenizer,
        {
            "sft_examples": data.height,
            "loss_first": losses[0],
            "loss_last": sum(losses[-5:]) / len(losses[-5:]),
            "steps": len(losses),
        },
    )


def train_anti_scheming_sft(
    start_dir: Path,
    cfg: AntiSchemingSFTConfig,
    *,
    seed: int,
    max_length: int = 1024,
    on_step: Callable[[int, float, float], None] | None = None,
) -> StageResult:
    """Steps (a)–(c) in one call; metrics say what was kept and why the rest was dropped."""
    rollouts = sample_rollouts(start_dir, cfg, seed=seed)
    data = select_sft_data(rollouts, cfg)
    result = train_on_sft_data(start_dir, data, cfg, seed=seed, max_length=max_length, on_step=on_step)
    result.metrics = rollout_metrics(rollouts, cfg) | result.metrics
    return result


def _train_stage(request: StageRequest) -> StageResult:
    cfg = request.cfg
    kwargs = {"seed": cfg.seed, "max_length": cfg.base.max_length, "on_step": request.supervised_step}
    if request.sft_data is not None:  # selected earlier by the Dagster assets
        return train_on_sft_data(request.start, request.sft_data, cfg.as_sft, **kwargs)
    return train_anti_scheming_sft(request.start, cfg.as_sft, **kwargs)


STAGE = TrainingStage(name="as-sft", section="as_sft", asset="anti_scheming_sft_model", train=_train_stage,
                      description="Supervised fine-tuning on the selected rollouts without the spec in the prompt.",
                      planned=lambda cfg: int(cfg.anti_scheming))
