"""Anti-scheming stage, supervised part (deliberative alignment, steps a–c).

(a) Sample rollouts from the starting checkpoint on the *training split only*,
    with the spec in the system prompt;
(b) keep rollouts whose graded outcome is good *and* whose reasoning cites the
    spec (``require_citation=False`` gives the outcome-only comparison);
(c) fine-tune on the kept rollouts with the spec *removed* from the prompt, so
    the model must recall it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from schemewatch.environments import Split, corpus_environments
from schemewatch.grading import grade, parse_response
from schemewatch.policy import LocalCheckpointPolicy
from schemewatch.spec import cited_principles
from training_stages.base import StageResult
from training_stages.checkpointing import load_checkpoint
from training_stages.config import AntiSchemingSFTConfig
from training_stages.lm_training import SupervisedSettings, encode_pairs, train_supervised
from training_stages.prompts import agent_system_prompt, render_prompt


def _reasoning_cites_spec(text: str) -> bool:
    """Whether the <think> section (not the report) cites the spec."""
    parsed = parse_response(text)
    return not isinstance(parsed, str) and bool(cited_principles(parsed.think))


def _through_action(text: str) -> str:
    """The response up to and including ``</action>``."""
    end = text.find("</action>")
    return text if end < 0 else text[: end + len("</action>")]


class NoRolloutsKeptError(RuntimeError):
    """The filter kept nothing, so there is nothing to fine-tune on."""


def train_anti_scheming_sft(
    start_dir: Path,
    cfg: AntiSchemingSFTConfig,
    *,
    seed: int,
    max_length: int = 1024,
    on_step: Callable[[int, float, float], None] | None = None,
) -> StageResult:
    """Roll out with the spec, filter, fine-tune without it; metrics say what was kept and why."""
    envs = corpus_environments(cfg.envs_per_family, tag=f"as-rollouts-{seed}", split=Split.TRAIN)
    policy = LocalCheckpointPolicy(start_dir)
    prompts = [env.prompt for env in envs for _ in range(cfg.samples_per_env)]
    owners = [env for env in envs for _ in range(cfg.samples_per_env)]
    texts = policy.generate(
        prompts, max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature, seed=seed,
        system_prompt=agent_system_prompt(with_spec=True),
    )
    kept, dropped = [], Counter()
    for env, text in zip(owners, texts, strict=True):
        g = grade(env, text)
        if g.outcome == "unparseable":
            dropped["unparseable"] += 1
        elif g.covert:
            dropped["covert"] += 1
        elif not g.good:
            dropped["outcome_not_good"] += 1
        elif cfg.require_citation and not _reasoning_cites_spec(text):
            dropped["no_spec_citation"] += 1
        else:
            kept.append((env, text))
    if not kept:
        raise NoRolloutsKeptError(
            f"as-sft: none of {len(texts)} rollouts passed the filter ({dict(dropped)}); "
            "train the base stage longer or raise samples_per_env"
        )
    model, tokenizer = load_checkpoint(start_dir)
    no_spec = agent_system_prompt(with_spec=False)
    if cfg.train_on_report:
        pairs = [(render_prompt(tokenizer, env.prompt, no_spec), text) for env, text in kept]
    else:
        # Reasoning and action only: what to think and what to do, not how to word reports.
        pairs = [(render_prompt(tokenizer, env.prompt, no_spec), _through_action(text)) for env, text in kept]
    examples = encode_pairs(tokenizer, pairs, max_length, append_eos=cfg.train_on_report)
    settings = SupervisedSettings(
        epochs=cfg.epochs, learning_rate=cfg.learning_rate, batch_tokens=cfg.batch_tokens, seed=seed
    )
    losses = train_supervised(model, examples, settings, tokenizer.pad_token_id, desc="as-sft", on_step=on_step)
    return StageResult(
        model,
        tokenizer,
        {
            "rollouts_sampled": len(texts),
            "rollouts_kept": len(kept),
            **{f"dropped_{reason}": n for reason, n in dropped.items()},
            "loss_first": losses[0],
            "loss_last": sum(losses[-5:]) / len(losses[-5:]),
            "steps": len(losses),
        },
    )
