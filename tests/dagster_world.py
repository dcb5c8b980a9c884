"""A tiny world for the Dagster tests: a TOML config on disk and resources bound to a temp directory."""

from __future__ import annotations

from pathlib import Path

TINY_WORLD_TOML = """
anti_scheming = {anti_scheming}

[base]
source = "scratch"
epochs = 1.0
batch_tokens = 4096
[base.corpus]
envs_per_family = 2
[base.model]
n_layer = 1
n_embd = 32
n_head = 2
vocab_size = 400

[as_sft]
envs_per_family = 2
samples_per_env = 1
max_new_tokens = 8
epochs = 1.0
[as_rl]
steps = 1
prompts_per_step = 2
generations_per_prompt = 2
max_new_tokens = 8

[capability]
stages = {stages}
envs_per_family = 1
[capability.rl]
steps = 1
prompts_per_step = 2
generations_per_prompt = 2
max_new_tokens = 8

[evaluation]
samples_per_env = 1
max_new_tokens = 8

{extra}
[paths]
data_dir = "{data_dir}"
{paths_extra}"""


def tiny_world(tmp_path: Path, *, anti_scheming: bool = False, stages: int = 1, extra: str = "",
               paths_extra: str = "") -> Path:
    """Write the tiny world's config under ``tmp_path``; returns its path.

    ``extra``: more tables (TOML); ``paths_extra``: more keys of ``[paths]``.
    """
    path = tmp_path / "world.toml"
    path.write_text(TINY_WORLD_TOML.format(anti_scheming=str(anti_scheming).lower(), stages=stages,
                                           data_dir=tmp_path / "data", extra=extra, paths_extra=paths_extra),
                    encoding="utf-8")
    return path


def tiny_definitions(tmp_path: Path, **kwargs):  # noqa: ANN201 - dagster Definitions
    """Definitions over the tiny world, MLflow tracking off (fast), everything under ``tmp_path``."""
    from assets.resources import TrackingResource, WorldResource
    from orchestration.definitions import build_definitions

    world = WorldResource(config_file=str(tiny_world(tmp_path, **kwargs)))
    return build_definitions(world=world, tracking=TrackingResource(enabled=False))
