"""Batched vs one-prompt-at-a-time generation on the same checkpoint and prompts.

The workload is an evaluation's: environments of the held-out split, each
sampled ``--samples`` times. "Batched" is LocalCheckpointPolicy as the runner
uses it (length-sorted batches, KV cache, one shared prefill per environment whose
samples then read its keys and values once per step, ended rows leaving the batch);
"one at a time" generates each sample alone. Prints JSON with sequences per
second for both (medians of interleaved repeats) and their ratio (target ≥ 10).
Run: .venv/bin/python -m benchmarks.eval_throughput [--envs 32] [--samples 5] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from benchmarks._world import benchmark_checkpoint
from schemewatch.config import EvaluationConfig
from schemewatch.environments import build_suite
from schemewatch.policy import LocalCheckpointPolicy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--envs", type=int, default=32, help="Environments in the workload.")
    parser.add_argument("--samples", type=int, default=5, help="Samples per environment (evaluation default).")
    parser.add_argument("--tokens", type=int, default=160, help="New tokens per response (the evaluation default).")
    parser.add_argument("--batch-size", type=int, default=EvaluationConfig().batch_size,
                        help="Prompts per batch (default: the evaluation's).")
    parser.add_argument("--repeats", type=int, default=3, help="Interleaved timed passes of each mode; medians.")
    args = parser.parse_args()
    torch.set_num_threads(2)
    path, origin = benchmark_checkpoint()
    prompts = [e.prompt for e in build_suite("eval")[: args.envs] for _ in range(args.samples)]
    batched = LocalCheckpointPolicy(path, batch_size=args.batch_size)
    single = LocalCheckpointPolicy(path, batch_size=1)
    batched.generate(prompts[: 2 * args.samples], max_new_tokens=4)  # warm-up, repeated prompts included
    single.generate(prompts[:1], max_new_tokens=4)
    # Interleaved repeats, median of each: the machines are shared, and one pass of either mode
    # can land on a busy moment.
    timings: dict[str, list[float]] = {"batched": [], "one_at_a_time": []}
    for repeat in range(args.repeats):
        start = time.perf_counter()
        batched.generate(prompts, max_new_tokens=args.tokens, temperature=1.0, seed=repeat)
        timings["batched"].append(time.perf_counter() - start)
        start = time.perf_counter()
        for i, prompt in enumerate(prompts):
            single.generate([prompt], max_new_tokens=args.tokens, temperature=1.0, seed=repeat * len(prompts) + i)
        timings["one_at_a_time"].append(time.perf_counter() - start)
    median = {mode: statistics.median(times) for mode, times in timings.items()}
    print(json.dumps({
        "checkpoint": origin,
        "prompts": len(prompts),
        "environments": args.envs,
        "samples_per_env": args.samples,
        "max_new_tokens": args.tokens,
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "batched_seq_per_s": round(len(prompts) / median["batched"], 2),
        "one_at_a_time_seq_per_s": round(len(prompts) / median["one_at_a_time"], 2),
        "ratio_batched_to_single": round(median["one_at_a_time"] / median["batched"], 2),
        "ratio_per_repeat": [
            round(single / batch, 2)
            for batch, single in zip(timings["batched"], timings["one_at_a_time"], strict=True)
        ],
        "target_ratio": 10,
    }, indent=2))


if __name__ == "__main__":
    main()
