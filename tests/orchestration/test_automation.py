"""The nightly schedule and the new-checkpoint sensor, evaluated with Dagster's context builders."""

from datetime import UTC, date, datetime

import pytest
from dagster import DagsterInstance, SkipReason, build_schedule_context, build_sensor_context, instance_for_test

from assets.evaluation import checkpoint_partitions, partition_key
from assets.resources import PolicyResource, WarehouseResource, WorldResource
from orchestration.automation import build_continual_schedule, build_nightly_schedule, new_checkpoint_sensor
from orchestration.run_world import run_world
from tests.dagster_world import tiny_definitions
from training_stages.chain import stage_ids, trained_capability_stages

NIGHT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny world whose chain is trained and evaluated for the day before NIGHT."""
    tmp = tmp_path_factory.mktemp("auto")
    defs = tiny_definitions(tmp, anti_scheming=False, stages=1)
    with instance_for_test() as instance:  # schedules need a persistent instance
        run_world(defs, date(2026, 11, 21), instance=instance, log=lambda _: None)
        yield defs, instance


def _resources(defs) -> dict:
    return {k: defs.resources[k] for k in ("world", "warehouse", "policy")}


def test_sensor_adds_a_partition_per_new_checkpoint_and_requests_its_evaluation(tmp_path, trained) -> None:
    defs, _ = trained
    instance = DagsterInstance.ephemeral()  # knows no partitions yet
    cfg = defs.resources["world"].load()
    ctx = build_sensor_context(instance=instance, resources={"world": defs.resources["world"]})
    result = new_checkpoint_sensor(ctx)
    ids = list(stage_ids(cfg).values())
    assert sorted(result.dynamic_partitions_requests[0].partition_keys) == sorted(ids)
    assert sorted(r.partition_key.keys_by_dimension["checkpoint"] for r in result.run_requests) == sorted(ids)
    instance.add_dynamic_partitions(checkpoint_partitions.name, ids)
    again = new_checkpoint_sensor(build_sensor_context(instance=instance,
                                                       resources={"world": defs.resources["world"]}))
    assert isinstance(again, SkipReason)


def test_nightly_schedule_requests_only_unevaluated_partitions(trained) -> None:
    defs, instance = trained
    cfg = defs.resources["world"].load()
    schedule = build_nightly_schedule(cfg)
    ctx = build_schedule_context(instance=instance, scheduled_execution_time=NIGHT, resources=_resources(defs))
    requests = schedule(ctx)
    night = NIGHT.date()
    assert sorted(r.partition_key for r in requests) == sorted(
        partition_key(ck, night) for ck in stage_ids(cfg).values())
    # The day already evaluated: nothing to do.
    done = build_schedule_context(instance=instance, scheduled_execution_time=datetime(2026, 11, 21, 2, 0),
                                  resources=_resources(defs))
    result = schedule(done)
    assert isinstance(result, SkipReason) and "already evaluated" in result.skip_message


def test_continual_schedule_skips_unless_switched_on(trained, tmp_path) -> None:
    defs, instance = trained
    cfg = defs.resources["world"].load()
    off = build_continual_schedule(cfg)(
        build_schedule_context(instance=instance, scheduled_execution_time=NIGHT,
                               resources={"world": defs.resources["world"]}))
    assert isinstance(off, SkipReason) and "off" in off.skip_message
    on_file = tmp_path / "continual.toml"
    source = open(defs.resources["world"].config_file, encoding="utf-8").read()
    on_file.write_text(source + "\n[orchestration]\ncontinual_training = true\n", encoding="utf-8")
    on_world = WorldResource(config_file=str(on_file))
    on = build_continual_schedule(cfg)(
        build_schedule_context(instance=instance, scheduled_execution_time=NIGHT, resources={"world": on_world}))
    assert on.run_key == f"continual:{NIGHT.date()}"


def test_next_capability_stage_extends_the_chain(trained) -> None:
    defs, instance = trained
    cfg = defs.resources["world"].load()
    assert trained_capability_stages(cfg) == 1
    result = defs.resolve_job_def("continual_training_job").execute_in_process(instance=instance)
    assert result.success
    assert trained_capability_stages(cfg) == 2


def test_resources_default_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SCHEMEWATCH_WAREHOUSE", str(tmp_path / "wh"))
    monkeypatch.setenv("SCHEMEWATCH_POLICY", "http")
    monkeypatch.setenv("SCHEMEWATCH_ENDPOINT", "http://localhost:9/v1")
    assert WarehouseResource().root == str(tmp_path / "wh")
    assert PolicyResource().backend == "http"
