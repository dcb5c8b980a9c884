"""Typed configuration: paths and evaluation settings (training sections live in
``training_stages.config``). Loaded from TOML; every field has a default.

Paths default under ``$SCHEMEWATCH_DATA`` (or ``./data``), which git ignores.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def default_data_dir() -> Path:
    return Path(os.environ.get("SCHEMEWATCH_DATA", "data"))


class PathsConfig(_Strict):
    """Where artefacts go."""

    data_dir: Path = Field(default_factory=default_data_dir, description="Root of all generated data.")

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def checkpoints_dir(self) -> Path:
        return self.data_dir / "checkpoints"

    @property
    def mlflow_uri(self) -> str:
        return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(self.data_dir / 'mlflow.db').resolve()}"


class EvaluationConfig(_Strict):
    """How checkpoints are evaluated."""

    split: str = Field("eval", pattern="^(train|eval)$", description="Suite split to evaluate on.")
    samples_per_env: int = Field(5, ge=1, le=1000, description="Samples per environment.")
    temperature: float = Field(1.0, ge=0.0, le=5.0)
    max_new_tokens: int = Field(160, ge=8, le=8192)
    seed: int = 0
    batch_size: int = Field(64, ge=1, le=4096, description="Prompts per generation batch.")


def load_toml(path: str | Path | None) -> dict[str, Any]:
    """Read a TOML file into a dict ({} when ``path`` is None), with clear errors."""
    if path is None:
        return {}
    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {str(p)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(p)!r} is not valid TOML: {exc}") from None


def validated(model: type[BaseModel], data: dict[str, Any], where: str) -> Any:
    """``model(**data)`` with a one-line error naming the first bad field."""
    try:
        return model(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        raise ConfigError(f"{where}: {field}: {err['msg']}") from None
