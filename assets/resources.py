"""Dagster resources: where data lives, where training is tracked, which model answers.

They sit with the assets because assets and checks both use them; ``orchestration/``
only wires them into the definitions (``tests/test_layers.py`` keeps arrows one way).

Each is a ``ConfigurableResource`` with a local default that an environment
variable overrides, so one deployment swaps the warehouse, the tracking server
or the policy backend without touching code:

* ``SCHEMEWATCH_CONFIG`` — world config TOML (default: the built-in default world);
* ``SCHEMEWATCH_DATA``, ``SCHEMEWATCH_WAREHOUSE`` — data and warehouse directories, resolved
  with the config's ``[paths]`` by :func:`schemewatch.config.resolve_paths` (the CLI and the
  dashboard use the same function, so they read the same warehouse);
* ``MLFLOW_TRACKING_URI`` — tracking store (default sqlite under the data directory);
* ``SCHEMEWATCH_POLICY`` (``local`` or ``http``), ``SCHEMEWATCH_ENDPOINT``,
  ``SCHEMEWATCH_MODEL`` — the policy that generates evaluation responses.
"""

from __future__ import annotations

import os

from dagster import ConfigurableResource
from pydantic import Field

from schemewatch.checkpoints import CheckpointInfo
from schemewatch.config import CONFIG_ENV, EvaluationConfig, resolve_paths
from schemewatch.policy.base import Policy
from schemewatch.warehouse import Warehouse, WarehouseReader
from training_stages.config import WorldConfig, load_world_config


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


class WorldResource(ConfigurableResource):
    """The world config: the training chain and the evaluation settings."""

    config_file: str | None = Field(default_factory=lambda: _env(CONFIG_ENV),
                                    description="World config TOML; unset means the built-in default world.")
    data_dir: str | None = Field(None, description="Root of checkpoints, tokenizers, artefacts and (by default) "
                                 "the warehouse; unset: the config's [paths] ($SCHEMEWATCH_DATA or ./data).")

    def load(self) -> WorldConfig:
        """The validated world config (``ConfigError`` names a bad field)."""
        overrides = {"paths": {"data_dir": self.data_dir}} if self.data_dir else {}
        return load_world_config(self.config_file, overrides)


class WarehouseResource(ConfigurableResource):
    """The DuckDB catalog + Parquet sample store."""

    root: str = Field(default_factory=lambda: str(resolve_paths().warehouse_dir),
                      description="Warehouse directory (default: resolve_paths, as everywhere else).")

    def writer(self) -> Warehouse:
        """A writer (short-lived connections, so readers never block)."""
        return Warehouse(self.root)

    def reader(self) -> WarehouseReader:
        """A reader over the latest published snapshot; close it (it is a context manager)."""
        return WarehouseReader(self.root)


class TrackingResource(ConfigurableResource):
    """Where training runs and model versions are tracked (MLflow)."""

    uri: str | None = Field(default_factory=lambda: _env("MLFLOW_TRACKING_URI"),
                            description="MLflow tracking URI; unset means sqlite under the data directory.")
    enabled: bool = True

    def tracking_uri(self, world: WorldConfig) -> str | None:
        """The URI to log to, or None when tracking is off (pass ``track=uri is not None``)."""
        if not self.enabled:
            return None
        return self.uri or world.paths.mlflow_uri


class PolicyResource(ConfigurableResource):
    """Which model generates evaluation responses: local checkpoints, or a served endpoint."""

    backend: str = Field(default_factory=lambda: _env("SCHEMEWATCH_POLICY", "local"), pattern="^(local|http)$",
                         description="'local' loads each checkpoint with transformers; 'http' calls an "
                                     "OpenAI-compatible endpoint.")
    endpoint: str | None = Field(default_factory=lambda: _env("SCHEMEWATCH_ENDPOINT"))
    model: str | None = Field(default_factory=lambda: _env("SCHEMEWATCH_MODEL"))
    batch_size: int = EvaluationConfig().batch_size

    def policy_name(self, checkpoint: CheckpointInfo) -> str:
        """The name the policy reports (part of the evaluation run id), without building it."""
        if self.backend == "http":
            return f"{self.model or checkpoint.id}@{(self.endpoint or '').rstrip('/')}"
        from schemewatch.checkpoints import local_policy_name

        return local_policy_name(checkpoint.path)

    def policy_for(self, checkpoint: CheckpointInfo) -> Policy:
        """The policy that answers for ``checkpoint``."""
        if self.backend == "http":
            from schemewatch.policy import OpenAICompatiblePolicy

            if not self.endpoint:
                raise ValueError("SCHEMEWATCH_POLICY=http needs SCHEMEWATCH_ENDPOINT (an OpenAI-compatible base URL)")
            return OpenAICompatiblePolicy(self.endpoint, model=self.model or checkpoint.id)
        from schemewatch.policy import LocalCheckpointPolicy

        return LocalCheckpointPolicy(checkpoint.path, batch_size=self.batch_size)
