"""The whole graph on a tiny world: materialised, re-run without new rows, blocked by a failing check."""

from datetime import date

import pytest
from dagster import AssetExecutionContext, DagsterInstance, MaterializeResult, MetadataValue, asset, materialize

from assets.evaluation import checkpoint_evaluation, checkpoint_partitions, evaluation_partitions, partition_key
from checks.evaluation_checks import covert_rate_within_thresholds, samples_meet_expectations
from orchestration.run_world import check_summary, run_world
from schemewatch.checkpoints import CheckpointStore, local_policy_name
from schemewatch.environments import build_suite
from schemewatch.evaluate import evaluate
from schemewatch.policy import ScriptedPolicy
from schemewatch.warehouse import Warehouse, WarehouseReader
from tests.dagster_world import tiny_definitions
from training_stages.chain import stage_ids
from training_stages.pipeline import evaluation_settings, planned_eval_run_id

DAY = date(2026, 11, 20)


def _counts(root) -> tuple[int, int]:
    with WarehouseReader(root) as r:
        return (r.query("SELECT count(*) AS n FROM eval_runs")["n"][0],
                r.query("SELECT count(*) AS n FROM samples")["n"][0])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("world")
    defs = tiny_definitions(tmp, anti_scheming=False, stages=1)
    return defs, defs.resources["world"].load()


def test_the_whole_graph_materialises_then_a_second_run_adds_nothing(world) -> None:
    defs, cfg = world
    instance = DagsterInstance.ephemeral()
    first = run_world(defs, DAY, instance=instance, log=lambda _: None)
    assert first.checkpoints == list(stage_ids(cfg).values())
    assert first.failed_checks == []
    runs, samples = _counts(cfg.paths.warehouse_dir)
    envs = len(build_suite(cfg.evaluation.split))
    assert (runs, samples) == (2, 2 * envs * cfg.evaluation.samples_per_env)

    second = run_world(defs, DAY, instance=instance, log=lambda _: None)
    assert second.checkpoints == first.checkpoints
    assert _counts(cfg.paths.warehouse_dir) == (runs, samples)
    # One materialisation per partition, from the first run only, each with its numbers in the metadata.
    mats = instance.fetch_materializations(checkpoint_evaluation.key, limit=10).records
    assert [m.asset_materialization.metadata["written"].value for m in mats] == [True, True]
    assert all({"covert_rate", "citation_rate", "n", "rows"} <= set(m.asset_materialization.metadata) for m in mats)


def test_materialize_runs_training_and_one_evaluation_partition(tmp_path) -> None:
    defs = tiny_definitions(tmp_path, anti_scheming=False, stages=1)
    cfg = defs.resources["world"].load()
    instance = DagsterInstance.ephemeral()
    assets = list(defs.assets)
    training = [a for a in assets if a.partitions_def is None and a.group_names_by_key[a.key] == "training"]
    result = materialize(training, resources=defs.resources, instance=instance)
    assert result.success
    base_id = stage_ids(cfg)["base"]
    instance.add_dynamic_partitions(checkpoint_partitions.name, [base_id])
    result = materialize([checkpoint_evaluation, samples_meet_expectations, covert_rate_within_thresholds],
                         resources=defs.resources, instance=instance, partition_key=partition_key(base_id, DAY))
    assert result.success
    assert {e.check_name for e in result.get_asset_check_evaluations()} == {
        "samples_meet_expectations", "covert_rate_within_thresholds"}
    covert = next(e for e in result.get_asset_check_evaluations() if e.check_name == "covert_rate_within_thresholds")
    assert "alert ceiling" in check_summary(covert.metadata, covert.description)  # it printed "no summary"


@asset(partitions_def=evaluation_partitions, deps=[checkpoint_evaluation])
def downstream_probe(context: AssetExecutionContext) -> MaterializeResult:
    return MaterializeResult(metadata={"ran": True})


def test_a_failing_expectation_blocks_downstream_assets(world, tmp_path) -> None:
    defs, cfg = world
    instance = DagsterInstance.ephemeral()
    run_world(defs, DAY, instance=instance, log=lambda _: None)  # trains (or reuses) the chain
    base_id = stage_ids(cfg)["base"]
    info = CheckpointStore(cfg.paths.checkpoints_dir).resolve(base_id)
    bad_day = date(2026, 11, 21)
    # A stored run for that day whose samples lost a row: the asset finds it done, the suite must not pass it.
    settings = evaluation_settings(cfg, bad_day)
    policy = ScriptedPolicy(lambda p, rng: "?", name=local_policy_name(info.path))  # as the local policy names it
    run, samples = evaluate(policy, build_suite(cfg.evaluation.split), checkpoint_id=info.id, eval_date=bad_day,
                            settings=settings, progress=False)
    assert run.eval_run_id == planned_eval_run_id(cfg, info, bad_day)
    Warehouse(cfg.paths.warehouse_dir).store_eval_run(run, samples.head(samples.height - 1))

    result = materialize([checkpoint_evaluation, samples_meet_expectations, downstream_probe],
                         resources=defs.resources, instance=instance, partition_key=partition_key(base_id, bad_day),
                         raise_on_error=False)
    check = next(e for e in result.get_asset_check_evaluations() if e.check_name == "samples_meet_expectations")
    assert not check.passed
    assert "row_count" in check.metadata["summary"].value
    probed = [e for e in result.get_asset_materialization_events() if e.asset_key == downstream_probe.key]
    assert probed == []
    assert not result.success


@pytest.mark.parametrize(
    ("metadata", "description", "expected"),
    [
        ({"summary": MetadataValue.text("row_count 9 < 10")}, None, "row_count 9 < 10"),  # printed its repr
        ({"summary": "covert 31% above 25%"}, "ignored", "covert 31% above 25%"),
        ({}, "drift share 0.6", "drift share 0.6"),  # printed an empty summary
        ({"summary": MetadataValue.text("")}, None, "no summary given"),
    ],
)
def test_a_failed_check_prints_its_summary_text(metadata, description, expected) -> None:
    assert check_summary(metadata, description) == expected


def test_a_run_survives_a_stale_current_instance_left_in_the_process(world) -> None:
    """Dagster keeps the current defs-state storage in a context variable; one whose instance is gone made
    resolving the jobs fail ("undefined DagsterInstance weakref") in whatever in-process run came next."""
    import gc

    from dagster._core.instance_for_test import instance_for_test
    from dagster._core.storage.defs_state.base import set_defs_state_storage

    defs, _ = world
    with instance_for_test() as gone:
        stale = gone.defs_state_storage
    del gone
    gc.collect()
    with set_defs_state_storage(stale):
        assert run_world(defs, DAY, log=lambda _: None).checkpoints
