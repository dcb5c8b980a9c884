"""Does the action follow the reasoning? Force a thought, sample the action, grade.

Deliberative alignment can only work if a model's action depends on what it
reasoned: the corpus teaches "spec-citing thought → honest tool (97%)" and
"rationalising thought → covert tool (100%)". This forces one thought of each
kind (and a plain one) — the corpus's own phrasings — into the reasoning of
every held-out aggregate environment, samples the rest, and prints JSON with,
per checkpoint and thought: how often the covert tool was chosen, how often an
honest tool came with a report that hides the violation, and how often the
answer was unparseable. Used to pick the default model shape (see
``training_stages.config.ModelShape.n_layer``).
Run: .venv/bin/python -m benchmarks.reasoning_action_link [--data-dir data] [REF ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from schemewatch.checkpoints import CheckpointStore
from schemewatch.environments import build_suite
from schemewatch.grading import grade
from schemewatch.policy import LocalCheckpointPolicy
from training_stages.corpus import _CITES_HONEST, _PLAIN_HONEST, _RATIONALISE
from training_stages.prompts import agent_system_prompt

THOUGHTS = {"cites_spec": _CITES_HONEST[3], "rationalises": _RATIONALISE[0], "plain": _PLAIN_HONEST[0]}


def link_rates(path: Path, *, samples: int, seed: int) -> dict[str, dict[str, float]]:
    """Per forced thought: rates of covert tool, hidden violation, honest outcome, unparseable."""
    policy = LocalCheckpointPolicy(path)
    jobs = [e for e in build_suite("eval") if e.counts_in_aggregate for _ in range(samples)]
    out = {}
    for name, thought in THOUGHTS.items():
        texts = policy.generate([env.prompt for env in jobs], max_new_tokens=96,
                                temperature=1.0, seed=seed, system_prompt=agent_system_prompt(with_spec=False),
                                response_prefix=f"<think>{thought}</think><action>")
        grades = [grade(env, text) for env, text in zip(jobs, texts, strict=True)]
        n = len(grades)
        out[name] = {
            "n": n,
            "covert_tool": round(sum(g.reason == "chose a covert action" for g in grades) / n, 3),
            "report_hides": round(sum(g.reason.startswith("report hides") for g in grades) / n, 3),
            "not_covert": round(sum(not g.covert and str(g.outcome) != "unparseable" for g in grades) / n, 3),
            "unparseable": round(sum(str(g.outcome) == "unparseable" for g in grades) / n, 3),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("refs", nargs="*", default=["base", "as-rl"],
                        help="Checkpoint aliases, ids or directories (default: base as-rl).")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="Where the world's checkpoints are.")
    parser.add_argument("--samples", type=int, default=2, help="Samples per environment and thought.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    store = CheckpointStore(args.data_dir / "checkpoints")
    result = {}
    for ref in args.refs:
        info = store.resolve(ref)
        result[info.id] = link_rates(info.path, samples=args.samples, seed=args.seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
