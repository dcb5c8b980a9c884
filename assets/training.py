"""Training assets: the tokenizer, then one asset per planned stage of the chain.

The stage assets come from the stage registry (:data:`training_stages.stages.STAGES`);
a stage that needs inputs prepared by other assets (as-sft: rollouts, then the
selected data) lists them in :data:`STAGE_INPUTS`.

Each body is a few lines over ``training_stages``: a stage's checkpoint id
derives from its config and parent, so materialising an asset whose
checkpoint exists reuses it, and the metadata shows the stage's numbers.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from assets.resources import TrackingResource, WorldResource
from schemewatch.checkpoints import CheckpointInfo
from schemewatch.files import atomic_target
from training_stages.anti_scheming_sft import STAGE as SFT
from training_stages.anti_scheming_sft import rollout_metrics, sample_rollouts, select_sft_data
from training_stages.base import STAGE as BASE
from training_stages.base import ensure_tokenizer, tokenizers_dir
from training_stages.chain import StagePlan, ensure_stage, finished_stage, plan_chain, stage_ids
from training_stages.checkpointing import checkpoint_metrics
from training_stages.config import WorldConfig
from training_stages.shipped_base import SHIPPED_BASE_DIR

GROUP = "training"


def _checkpoint_result(info: CheckpointInfo, extra: Mapping[str, Any] | None = None) -> MaterializeResult:
    numbers = {k: v for k, v in checkpoint_metrics(info.path).items() if isinstance(v, int | float)}
    return MaterializeResult(metadata={
        "checkpoint_id": info.id,
        "path": MetadataValue.path(str(info.path)),
        "parent_id": info.parent_id or "",
        **numbers,
        **(extra or {}),
    })


def _stage(context: AssetExecutionContext, world: WorldResource, tracking: TrackingResource, stage: str,
           **kwargs: Any) -> MaterializeResult:
    cfg = world.load()
    uri = tracking.tracking_uri(cfg)
    info = ensure_stage(cfg, stage, track=uri is not None, tracking_uri=uri, log=context.log.info, **kwargs)
    return _checkpoint_result(info)


def as_artefacts_dir(cfg: WorldConfig) -> Path:
    """Where the anti-scheming rollouts and SFT data for this config are kept."""
    return cfg.paths.data_dir / "artefacts" / stage_ids(cfg)["as-sft"]


def _write_parquet(df: pl.DataFrame, path: Path) -> None:
    """Write whole or not at all: a crash must never leave a half file a re-run would trust."""
    with atomic_target(path, suffix=".parquet") as tmp:
        df.write_parquet(tmp)


@asset(group_name=GROUP, description="Byte-level BPE trained on the default world's corpus (shipped with the base).")
def tokenizer(context: AssetExecutionContext, world: WorldResource) -> MaterializeResult:
    cfg = world.load()
    if cfg.base.source == "shipped":
        path = SHIPPED_BASE_DIR  # trained with the shipped base, and hash-checked with it
    else:
        path = ensure_tokenizer(cfg.base, seed=cfg.seed, root=tokenizers_dir(cfg))
    return MaterializeResult(metadata={"path": MetadataValue.path(str(path)), "source": cfg.base.source,
                                       "vocab_size": cfg.base.model.vocab_size})


@asset(group_name=GROUP, deps=[BASE.asset_name()],
       description="Base-model rollouts on the training split with the spec in the prompt, graded.")
def anti_scheming_rollouts(context: AssetExecutionContext, world: WorldResource) -> MaterializeResult:
    cfg = world.load()
    path = as_artefacts_dir(cfg) / "rollouts.parquet"
    if not path.is_file():
        base = finished_stage(cfg, "base", needed_by="anti_scheming_rollouts")
        _write_parquet(sample_rollouts(base.path, cfg.as_sft, seed=cfg.seed), path)
    rollouts = pl.read_parquet(path)
    return MaterializeResult(metadata={"path": MetadataValue.path(str(path)), **rollout_metrics(rollouts, cfg.as_sft)})


@asset(group_name=GROUP, deps=[anti_scheming_rollouts],
       description="The kept rollouts (good outcome and, by default, spec-citing reasoning), spec removed.")
def anti_scheming_sft_data(context: AssetExecutionContext, world: WorldResource) -> MaterializeResult:
    cfg = world.load()
    source = as_artefacts_dir(cfg) / "rollouts.parquet"
    path = as_artefacts_dir(cfg) / "sft_data.parquet"
    data = select_sft_data(pl.read_parquet(source), cfg.as_sft)
    if not path.is_file() or not pl.read_parquet(path).equals(data):  # a re-run of a finished chain writes nothing
        _write_parquet(data, path)
    by_family = dict(data.group_by("family").len().sort("family").iter_rows())
    return MaterializeResult(metadata={"path": MetadataValue.path(str(path)), "rows": data.height,
                                       "rows_by_family": MetadataValue.json(by_family),
                                       "require_citation": cfg.as_sft.require_citation})


def _sft_data(cfg: WorldConfig) -> dict[str, Any]:
    return {"sft_data": pl.read_parquet(as_artefacts_dir(cfg) / "sft_data.parquet")}


# What runs before a stage's own asset (its inputs), and what that asset reads from them. Only stages
# with Dagster-side inputs appear here; every other registered stage needs no entry.
STAGE_INPUTS: dict[str, tuple[list[AssetsDefinition], Callable[[WorldConfig], dict[str, Any]] | None]] = {
    BASE.name: ([tokenizer], None),
    SFT.name: ([anti_scheming_rollouts, anti_scheming_sft_data], _sft_data),
}


def stage_asset(step: StagePlan, parent: AssetsDefinition | None) -> AssetsDefinition:
    """The asset of one planned stage, named and described by its registry entry."""
    _, inputs = STAGE_INPUTS.get(step.kind.name, ([], None))
    what = f" (stage {step.number})" if step.kind.repeated else ""

    @asset(name=step.kind.asset_name(step.number), group_name=GROUP, deps=[parent] if parent else [],
           description=step.kind.description + what)
    def _stage_model(context: AssetExecutionContext, world: WorldResource,
                     tracking: TrackingResource) -> MaterializeResult:
        cfg = world.load()
        return _stage(context, world, tracking, step.stage, **(inputs(cfg) if inputs else {}))

    return _stage_model


def training_assets(cfg: WorldConfig) -> list[AssetsDefinition]:
    """The training assets this config plans, in chain order (from the stage registry)."""
    chain: list[AssetsDefinition] = []
    for step in plan_chain(cfg):
        before, _ = STAGE_INPUTS.get(step.kind.name, ([], None))
        chain += before
        chain.append(stage_asset(step, chain[-1] if chain else None))
    return chain
