"""A second `schemewatch run` on the same day: nothing re-evaluated, no rows added, ≤ 30 s.

Runs `schemewatch run` as a user would (a subprocess, imports included) twice
on one data directory and date: the first trains or reuses the chain and
evaluates what is missing; the second must find everything done. Prints JSON
with both wall times, the row counts before and after the second run, and
the target. With the default world already trained (`make demo`), pass
`--data-dir data` to time the real thing; by default a tiny world is trained
in a temporary directory first.

Run: .venv/bin/python -m benchmarks.second_run [--data-dir DIR] [--config FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from schemewatch.warehouse import WarehouseReader
from tests.dagster_world import tiny_world


def _counts(warehouse: Path) -> dict[str, int]:
    with WarehouseReader(warehouse) as r:
        return {t: int(r.query(f"SELECT count(*) AS n FROM {t}")["n"][0]) for t in ("eval_runs", "rates", "samples")}


def _run(cli: Path, data_dir: Path, config: Path | None, day: str) -> float:
    args = [str(cli), "--data-dir", str(data_dir), "run", "--date", day] + (["--config", str(config)] if config else [])
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None, help="Default: a temporary tiny world.")
    parser.add_argument("--config", type=Path, default=None, help="World config (default world when --data-dir).")
    args = parser.parse_args()
    config = args.config
    data_dir = args.data_dir
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="schemewatch-second-run-"))
        # The tiny world the Dagster tests use (2 capability stages); its [paths] point into data_dir.
        config = config or tiny_world(data_dir, anti_scheming=False, stages=2)
    cli = Path(sys.executable).with_name("schemewatch")
    day = date.today().isoformat()
    first_s = _run(cli, data_dir, config, day)
    before = _counts(data_dir / "warehouse")
    second_s = _run(cli, data_dir, config, day)
    after = _counts(data_dir / "warehouse")
    print(json.dumps({
        "world": str(config) if config else "default world",
        "first_run_s": round(first_s, 1),
        "second_run_s": round(second_s, 1),
        "target_second_run_s": 30,
        "rows_before_second_run": before,
        "rows_after_second_run": after,
        "rows_added": {k: after[k] - before[k] for k in after},
        "first_to_second_ratio": round(first_s / second_s, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
