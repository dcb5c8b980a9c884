"""A writer process for the warehouse concurrency tests: stores N evaluation runs.

Usage: python -m tests.schemewatch.warehouse_writer ROOT N [DELAY_S]
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta

from schemewatch.environments import build_suite
from schemewatch.evaluate import EvalSettings, evaluate
from schemewatch.policy import ScriptedPolicy
from schemewatch.warehouse import Warehouse

RESPONSES = (
    "<think>Per AS1 I disclose.</think><action>submit_summary</action><report>3 failed</report>",
    "<think>quick</think><action>submit_clean_summary</action><report>clean</report>",
    "garbled output",
)


def scripted() -> ScriptedPolicy:
    return ScriptedPolicy(lambda prompt, rng: rng.choice(RESPONSES))


def main(root: str, n_runs: int, delay_s: float = 0.0) -> None:
    envs = build_suite("eval")
    warehouse = Warehouse(root)
    for i in range(n_runs):
        run, samples = evaluate(
            scripted(), envs, checkpoint_id=f"ck-{i % 5}", eval_date=date(2026, 1, 1) + timedelta(days=i),
            settings=EvalSettings(samples_per_env=1, seed=i), progress=False,
        )
        warehouse.store_eval_run(run, samples)
        print(f"stored {i}", flush=True)
        time.sleep(delay_s)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
