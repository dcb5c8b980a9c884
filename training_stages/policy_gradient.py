"""Outcome-only reinforcement learning through TRL's GRPO trainer.

TRL (1.16) installs beside the pinned stack and runs on the CPU with this model
(../shared/NOTES.md). GRPO samples ``generations_per_prompt`` completions per
prompt, scores each with an outcome-only reward, and uses group-relative
advantages with a KL penalty (``beta``) to the reference model — the stage's
starting checkpoint, which TRL reloads from the directory the policy was
loaded from. Its defaults suit large GPU models, so every setting is explicit.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from schemewatch.environments import Environment
from training_stages.config import RLConfig
from training_stages.lm_training import TrainingDivergedError
from training_stages.prompts import render_prompt

RewardFn = Callable[[Environment, str], float]


def run_grpo(
    start_dir: Path,
    envs: Sequence[Environment],
    reward: RewardFn,
    cfg: RLConfig,
    *,
    system: str | None,
    seed: int,
    desc: str,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
):  # noqa: ANN201 - (model, tokenizer, history)
    """Train the checkpoint in ``start_dir`` with GRPO; returns (model, tokenizer, per-step logs).

    Raises:
        TrainingDivergedError: when the loss or KL becomes NaN.
    """
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    logging.getLogger("trl").setLevel(logging.ERROR)
    tokenizer = AutoTokenizer.from_pretrained(start_dir)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(start_dir, use_safetensors=True)
    by_id = {env.id: env for env in envs}
    dataset = Dataset.from_list(
        [{"prompt": render_prompt(tokenizer, env.prompt, system), "env_id": env.id} for env in envs]
    )

    def outcome_reward(prompts, completions, env_id, **_: object) -> list[float]:  # noqa: ANN001
        return [reward(by_id[e], text) for e, text in zip(env_id, completions, strict=True)]

    history: list[dict[str, float]] = []

    class Forward(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001, ANN201
            if not logs or "loss" not in logs:
                return
            row = {k: float(v) for k, v in logs.items() if isinstance(v, int | float)}
            for key in ("loss", "kl"):
                if key in row and not math.isfinite(row[key]):
                    raise TrainingDivergedError(f"{desc}: {key} is {row[key]} at step {state.global_step}; "
                                                "lower the learning rate (nothing was saved)")
            history.append(row)
            if on_step is not None:
                on_step(state.global_step, row)

    batch = cfg.prompts_per_step * cfg.generations_per_prompt
    with tempfile.TemporaryDirectory(prefix=f"grpo-{desc}-") as out:
        args = GRPOConfig(
            output_dir=out,
            use_cpu=True,
            bf16=False,
            report_to="none",
            seed=seed,
            max_steps=cfg.steps,
            learning_rate=cfg.learning_rate,
            lr_scheduler_type="constant",
            warmup_steps=0,
            per_device_train_batch_size=batch,
            gradient_accumulation_steps=1,
            num_generations=cfg.generations_per_prompt,
            max_completion_length=cfg.max_new_tokens,
            temperature=cfg.temperature,
            top_k=0,
            top_p=1.0,
            beta=cfg.kl_coef,
            disable_dropout=True,
            gradient_checkpointing=False,
            logging_steps=1,
            save_strategy="no",
            dataloader_num_workers=0,
            disable_tqdm=False,
        )
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=[outcome_reward],
            args=args,
            train_dataset=dataset,
            processing_class=tokenizer,
            callbacks=[Forward()],
        )
        trainer.train()
    model = trainer.model
    model.eval()
    return model, tokenizer, history
