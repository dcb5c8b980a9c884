"""MLflow tracking of the training chain: a run per stage, a registered model version per checkpoint.

Default store: a sqlite file under the data directory (MLflow 3's ./mlruns file
store is in maintenance mode), artefacts beside it; both git-ignored.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REGISTERED_MODEL = "schemewatch-default-world"
EXPERIMENT = "schemewatch-default-world"


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


class StageTracker:
    """Logs one stage to MLflow; a no-op object when tracking is off (tests)."""

    def __init__(self, mlflow_module: Any | None, run_id: str | None) -> None:
        self._mlflow = mlflow_module
        self.run_id = run_id

    def log_step(self, step: int, metrics: dict[str, float]) -> None:
        if self._mlflow is not None:
            self._mlflow.log_metrics({k.replace("/", "_"): float(v) for k, v in metrics.items()}, step=step)


@contextmanager
def track_stage(
    tracking_uri: str | None, artifacts_dir: Path, stage: str, params: dict[str, Any]
) -> Iterator[StageTracker]:
    """An MLflow run for one stage (or a silent tracker when ``tracking_uri`` is None)."""
    if tracking_uri is None:
        yield StageTracker(None, None)
        return
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(tracking_uri)
    # mlflow exports the URI to the environment, where PathsConfig.mlflow_uri would take it as
    # every later config's store; mlflow keeps its own copy, so the environment goes back.
    if previous is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = previous
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        artifacts_dir.mkdir(parents=True, exist_ok=True)
        mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts_dir.resolve().as_uri())
    mlflow.set_experiment(EXPERIMENT)
    flat: dict[str, Any] = {}
    _flatten("", params, flat)
    with mlflow.start_run(run_name=stage) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in flat.items()})
        yield StageTracker(mlflow, run.info.run_id)


def finish_stage(tracker: StageTracker, checkpoint_dir: Path, alias: str, metrics: dict[str, float]) -> str | None:
    """Log summary metrics and the checkpoint; register it as a model version with ``alias``."""
    if tracker._mlflow is None:
        return None
    mlflow = tracker._mlflow
    mlflow.log_metrics({f"final_{k}": float(v) for k, v in metrics.items()})
    mlflow.log_artifacts(str(checkpoint_dir), artifact_path="checkpoint")
    client = mlflow.MlflowClient()
    try:
        client.get_registered_model(REGISTERED_MODEL)
    except mlflow.exceptions.MlflowException:
        client.create_registered_model(REGISTERED_MODEL)
    source = f"{mlflow.get_run(tracker.run_id).info.artifact_uri}/checkpoint"
    version = client.create_model_version(REGISTERED_MODEL, source=source, run_id=tracker.run_id)
    client.set_registered_model_alias(REGISTERED_MODEL, alias, version.version)
    return str(version.version)
