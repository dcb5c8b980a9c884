"""One RL step: our policy-gradient loop against TRL's GRPOTrainer, on the same checkpoint and prompts.

Both sample ``prompts × generations`` completions of the default world's training prompts, score them with the
outcome-only alignment reward and take one optimiser step with a KL term to the start. Prints JSON: seconds per
step of each (median of the timed steps after one warm-up step), completions per second, and the ratio.
TRL is an optional dependency (``pip install -e '.[bench]'``); without it only our loop is timed.

Run: .venv/bin/python -m benchmarks.rl_step [--prompts 8] [--generations 4] [--steps 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._world import benchmark_checkpoint
from schemewatch.environments import Split, corpus_environments
from training_stages.config import RLConfig
from training_stages.policy_gradient import run_policy_gradient
from training_stages.prompts import agent_system_prompt, render_prompt
from training_stages.rewards import alignment_outcome_reward


def ours(path: Path, cfg: RLConfig, envs: list) -> float:  # noqa: ANN001
    """Median seconds per step of our loop (from its per-step wall times)."""
    times: list[float] = []
    last = [time.perf_counter()]

    def on_step(step: int, row: dict[str, float]) -> None:
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    run_policy_gradient(path, envs, alignment_outcome_reward, cfg, system=agent_system_prompt(with_spec=False),
                        seed=0, desc="ours", fixed_envs=envs[:1], on_step=on_step, progress=False)
    return statistics.median(times[1:] or times)


def trl_grpo(path: Path, cfg: RLConfig, envs: list) -> float | None:  # noqa: ANN001
    """Median seconds per step of TRL's GRPOTrainer with the same batch, or None without TRL."""
    try:
        from datasets import Dataset
        from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback, TrainerCallback
        from trl import GRPOConfig, GRPOTrainer
    except ImportError:
        return None
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(path, use_safetensors=True)
    by_id = {e.id: e for e in envs}
    system = agent_system_prompt(with_spec=False)
    data = Dataset.from_list([{"prompt": render_prompt(tokenizer, e.prompt, system), "env_id": e.id} for e in envs])

    def reward(prompts, completions, env_id, **_: object) -> list[float]:  # noqa: ANN001
        return [alignment_outcome_reward(by_id[e], c) for e, c in zip(env_id, completions, strict=True)]

    times: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001, ANN201
            self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN201
            times.append(time.perf_counter() - self.started)

    with tempfile.TemporaryDirectory() as out:
        args = GRPOConfig(
            output_dir=out, use_cpu=True, bf16=False, report_to="none", seed=0, max_steps=cfg.steps,
            learning_rate=cfg.learning_rate,
            per_device_train_batch_size=cfg.prompts_per_step * cfg.generations_per_prompt,
            num_generations=cfg.generations_per_prompt, max_completion_length=cfg.max_new_tokens, temperature=1.0,
            top_k=0, top_p=1.0, beta=cfg.kl_coef, disable_dropout=True, logging_steps=1, save_strategy="no",
            disable_tqdm=True,
        )
        trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=args, train_dataset=data,
                              processing_class=tokenizer, callbacks=[Clock()])
        trainer.remove_callback(PrinterCallback)  # it prints every step's logs to stdout, where the JSON goes
        trainer.train()
    return statistics.median(times[1:] or times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    path, where = benchmark_checkpoint()
    cfg = RLConfig(steps=args.steps, prompts_per_step=args.prompts, generations_per_prompt=args.generations,
                   fixed_prompts=1, eval_generations=1)
    envs = corpus_environments(args.prompts * args.steps, tag="rl-step-bench", split=Split.TRAIN)
    batch = args.prompts * args.generations
    ours_s = ours(path, cfg, envs)
    trl_s = trl_grpo(path, cfg, envs)
    print(json.dumps({
        "checkpoint": where, "completions_per_step": batch,
        "ours_s_per_step": round(ours_s, 3), "ours_completions_per_s": round(batch / ours_s, 1),
        "trl_grpo_s_per_step": None if trl_s is None else round(trl_s, 3),
        "trl_grpo_completions_per_s": None if trl_s is None else round(batch / trl_s, 1),
        "ratio_trl_to_ours": None if trl_s is None else round(trl_s / ours_s, 2),
    }, indent=2))


if __name__ == "__main__":
    main()
