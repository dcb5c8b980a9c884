"""Our evaluation runner against Inspect AI's ``hf`` provider: the same checkpoint, environments and samples.

"Ours" is :func:`schemewatch.evaluate.evaluate` with :class:`LocalCheckpointPolicy` (length-sorted
batches, KV cache, one shared prefill per environment); "Inspect" is ``inspect eval`` of our own
task (:mod:`schemewatch.inspect_task`) with ``--model hf/local -M model_path=<checkpoint>``, every
sample in flight at once (``max_connections`` = the workload, which is what sets the hf provider's
batch). Both sample at temperature 1.0 up to the evaluation's token cap, on CPU at two threads.
Each mode is timed in interleaved repeats (medians); the Inspect log is ingested back to show that
both grade alike (rates differ only by sampling). Prints JSON with sequences per second and the
ratio. Target: ours ≥ 3× faster.

Run: .venv/bin/python -m benchmarks.vs_inspect [--envs 32] [--samples 5] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import torch

from benchmarks._world import benchmark_checkpoint
from schemewatch.config import EvaluationConfig
from schemewatch.environments import build_suite
from schemewatch.evaluate import EvalSettings, evaluate
from schemewatch.policy import LocalCheckpointPolicy


def _families_for(n_envs: int) -> tuple[list, str]:
    # Whole families (the Inspect task selects by family), the first ones of the split, up to ~n_envs.
    suite = build_suite("eval")
    chosen, envs = [], []
    for env in suite:
        if env.family not in chosen:
            if len(envs) >= n_envs:
                break
            chosen.append(env.family)
        envs.append(env)
    return envs, ",".join(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", type=int, default=32, help="About this many environments (whole families).")
    parser.add_argument("--samples", type=int, default=5, help="Samples per environment (evaluation default).")
    parser.add_argument("--repeats", type=int, default=2, help="Interleaved timed passes of each mode; medians.")
    args = parser.parse_args()
    torch.set_num_threads(2)
    # Inspect's hf provider asks the Hub about the name "local" before loading model_path; no network here.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from inspect_ai import eval as inspect_eval

    from schemewatch.inspect_ingest import plan_ingest
    from schemewatch.inspect_task import covert_actions
    from schemewatch.rates import compute_rates

    cfg = EvaluationConfig()
    path, origin = benchmark_checkpoint()
    envs, families = _families_for(args.envs)
    n = len(envs) * args.samples
    settings = EvalSettings.from_config(cfg, samples_per_env=args.samples)
    policy = LocalCheckpointPolicy(path, batch_size=cfg.batch_size, device="cpu")
    task = covert_actions(families=families, samples_per_env=args.samples, temperature=cfg.temperature,
                          max_tokens=cfg.max_new_tokens)
    inspect_args = {"model": "hf/local", "model_args": {"model_path": str(path), "device": "cpu"},
                    "max_connections": n, "display": "none", "log_level": "warning"}
    logs = Path(tempfile.mkdtemp(prefix="schemewatch-vs-inspect-"))
    # Warm-up: loads both models once (Inspect keeps its provider for the process).
    evaluate(policy, envs[:2], checkpoint_id="bench", eval_date=date(2026, 12, 1), settings=settings, progress=False)
    inspect_eval(covert_actions(families=envs[0].family, samples_per_env=1, max_tokens=8), limit=2,
                 log_dir=str(logs / "warm"), **inspect_args)
    timings: dict[str, list[float]] = {"ours": [], "inspect": []}
    ours_rows = inspect_log = None
    for repeat in range(args.repeats):
        start = time.perf_counter()
        _, ours_rows = evaluate(policy, envs, checkpoint_id="bench", eval_date=date(2026, 12, 1),
                                settings=EvalSettings.from_config(cfg, samples_per_env=args.samples, seed=repeat),
                                progress=False)
        timings["ours"].append(time.perf_counter() - start)
        start = time.perf_counter()
        (inspect_log,) = inspect_eval(task, log_dir=str(logs / f"run-{repeat}"), seed=repeat, **inspect_args)
        timings["inspect"].append(time.perf_counter() - start)
        if inspect_log.status != "success":
            raise SystemExit(f"the Inspect run ended {inspect_log.status}: {inspect_log.error}")
    median = {mode: statistics.median(times) for mode, times in timings.items()}
    (_, ingested), = plan_ingest([inspect_log.location]).batch

    def overall(rows, metric: str) -> float | None:  # noqa: ANN001 - a samples frame
        rates = compute_rates(rows)
        rate = rates.filter(rates["family"].is_null() & (rates["metric"] == metric))["rate"]
        return None if rate.is_empty() or rate[0] is None else round(float(rate[0]), 4)

    print(json.dumps({
        "checkpoint": origin,
        "environments": len(envs),
        "families": families.split(","),
        "samples_per_env": args.samples,
        "sequences": n,
        "max_new_tokens": cfg.max_new_tokens,
        "temperature": cfg.temperature,
        "torch_threads": torch.get_num_threads(),
        "repeats": args.repeats,
        "ours_seconds": [round(t, 2) for t in timings["ours"]],
        "inspect_seconds": [round(t, 2) for t in timings["inspect"]],
        "ours_seq_per_s": round(n / median["ours"], 2),
        "inspect_seq_per_s": round(n / median["inspect"], 2),
        "ratio_ours_to_inspect": round(median["inspect"] / median["ours"], 2),
        "ratio_per_repeat": [round(i / o, 2) for o, i in zip(timings["ours"], timings["inspect"], strict=True)],
        "mean_output_tokens": {
            "ours": round(float(ours_rows["n_tokens"].mean()), 1),
            "inspect": round(float(ingested["n_tokens"].mean()), 1),
        },
        "covert_rate": {"ours": overall(ours_rows, "covert"), "inspect": overall(ingested, "covert")},
        "citation_rate": {"ours": overall(ours_rows, "citation"), "inspect": overall(ingested, "citation")},
        "target_ratio": 3,
    }, indent=2))


if __name__ == "__main__":
    main()
