"""The whole default-world chain, timed: train every stage, evaluate every checkpoint.

Prints JSON: seconds for training and for evaluation, and the held-out rates per
checkpoint (the entries of `schemewatch report --json`). Target: the chain in
≤ 8 minutes on a 2-core CPU.
Run: .venv/bin/python -m benchmarks.train_chain [--config FILE] [--no-anti-scheming]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from schemewatch.report import checkpoint_report
from schemewatch.warehouse import WarehouseReader
from training_stages.chain import run_chain
from training_stages.config import load_world_config
from training_stages.pipeline import run_pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--no-anti-scheming", action="store_true", help="The control: skip as-sft and as-rl.")
    parser.add_argument("--data-dir", type=Path, default=None, help="Default: a fresh temporary directory.")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="schemewatch-chain-"))
    overrides = {"paths": {"data_dir": str(data_dir)}}
    if args.no_anti_scheming:
        overrides["anti_scheming"] = False
    cfg = load_world_config(args.config, overrides)
    start = time.perf_counter()
    run_chain(cfg, log=lambda _: None)
    trained = time.perf_counter()
    run_pipeline(cfg, date.today(), log=lambda _: None)  # reuses the checkpoints, evaluates them
    evaluated = time.perf_counter()
    with WarehouseReader(cfg.paths.warehouse_dir) as reader:
        entries = checkpoint_report(reader, cfg.evaluation.split)
    keep = ("checkpoint", "stage", "n", "covert_rate", "covert_ci", "citation_rate", "cited_covert_rate",
            "aware_rate", "unparseable_rate")
    print(json.dumps({
        "train_s": round(trained - start, 1),
        "evaluate_s": round(evaluated - trained, 1),
        "total_s": round(evaluated - start, 1),
        "target_total_s": 480,
        "anti_scheming": cfg.anti_scheming,
        "checkpoints": [{k: e[k] for k in keep} for e in entries],
    }, indent=2))


if __name__ == "__main__":
    main()
