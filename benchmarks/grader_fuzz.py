"""The grader on hostile input: ≥ 100,000 responses over every environment, timed call by call.

Prints JSON: responses graded, exceptions (must be 0), the worst and the 99.9th-percentile
single-call time in milliseconds, and the total seconds. Target: worst ≤ 100 ms.
Run: .venv/bin/python -m benchmarks.grader_fuzz [--n 100000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import time

from benchmarks._hostile import hostile_responses
from schemewatch.environments import build_suite
from schemewatch.grading import grade


def _seconds(env, text: str) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    grade(env, text)
    return time.perf_counter() - t0


def fuzz(n: int, seed: int, *, retime: int = 20) -> dict[str, object]:
    """Grade ``n`` hostile responses, timing each call.

    The ``retime`` slowest inputs are graded three more times and keep their fastest
    time: on a shared machine a single slow call may be a pause of the machine, not
    the input; an input that is slow every time is the grader's.
    """
    envs = list(build_suite())
    timed, errors = [], 0
    started = time.perf_counter()
    for env, text in hostile_responses(envs, n, seed):
        t0 = time.perf_counter()
        try:
            grade(env, text)
        except Exception:  # noqa: BLE001 - counting them is the point
            errors += 1
        timed.append((time.perf_counter() - t0, env, text))
    timed.sort(key=lambda t: t[0])
    times = [t for t, _, _ in timed]
    slowest = [(min([first] + [_seconds(env, text) for _ in range(3)]), len(text), env.id)
               for first, env, text in timed[-retime:]]
    worst = max(slowest)
    return {
        "responses": n, "environments": len(envs), "exceptions": errors,
        "worst_ms": round(1000 * worst[0], 2), "worst_input_chars": worst[1], "worst_env": worst[2],
        "worst_single_call_ms": round(1000 * times[-1], 2),
        "p999_ms": round(1000 * times[int(0.999 * (len(times) - 1))], 2),
        "median_ms": round(1000 * times[len(times) // 2], 3),
        "total_s": round(time.perf_counter() - started, 1), "target_worst_ms": 100,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(fuzz(args.n, args.seed), indent=2))


if __name__ == "__main__":
    main()
