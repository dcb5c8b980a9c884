"""The Inspect log sensor and assets through Dagster: a log appears, its partition is added and ingested, checked,
monitored; a second look requests nothing; a log that changes is requested again."""

import os

import pytest
from dagster import DagsterInstance, SkipReason, build_sensor_context, materialize

pytest.importorskip("inspect_ai")

from assets.inspect_logs import inspect_evaluation, inspect_models, inspect_monitoring  # noqa: E402
from checks.inspect_checks import ingested_samples_meet_expectations  # noqa: E402
from orchestration.automation import inspect_log_sensor  # noqa: E402
from schemewatch.report import checkpoint_report  # noqa: E402
from schemewatch.warehouse import WarehouseReader  # noqa: E402
from tests.dagster_world import tiny_definitions  # noqa: E402
from tests.schemewatch.inspect_logs_data import run_task  # noqa: E402

MAPPING = '[covert]\nscorer = "judge"\nkey = "schemed"\n'


def test_a_new_log_is_ingested_checked_and_monitored_once(tmp_path) -> None:
    (tmp_path / "mapping.toml").write_text(MAPPING)
    defs = tiny_definitions(tmp_path, extra=f'[inspect]\nmapping = "{tmp_path / "mapping.toml"}"\n',
                            paths_extra=f'inspect_logs = "{tmp_path / "logs"}"\n')
    cfg = defs.resources["world"].load()
    assert cfg.paths.inspect_logs_dir == tmp_path / "logs"
    log = run_task(tmp_path / "logs")

    instance = DagsterInstance.ephemeral()
    world = {"world": defs.resources["world"]}
    result = inspect_log_sensor(build_sensor_context(instance=instance, resources=world))
    (request,) = result.run_requests
    assert request.partition_key.keys_by_dimension["model"] == "schemewatch_scripted/probe-model"
    assert result.dynamic_partitions_requests[0].partition_keys == ["schemewatch_scripted/probe-model"]
    instance.add_dynamic_partitions(inspect_models.name, ["schemewatch_scripted/probe-model"])

    run = materialize([inspect_evaluation, ingested_samples_meet_expectations, inspect_monitoring],
                      partition_key=request.partition_key, resources=defs.resources, instance=instance)
    assert run.success
    (check,) = run.get_asset_check_evaluations()
    assert check.passed
    with WarehouseReader(cfg.paths.warehouse_dir) as reader:
        (entry,) = checkpoint_report(reader)
        judged = reader.query("SELECT DISTINCT rule FROM alert_checks")["rule"].to_list()
    assert entry["suite"] == "inspect:scheming_probe@0" and entry["covert_rate"] == 0.3
    assert "covert_ceiling" in judged  # the alert rules judged the ingested run

    cursor = result.cursor
    again = inspect_log_sensor(build_sensor_context(instance=instance, resources=world, cursor=cursor))
    assert isinstance(again, SkipReason)
    os.utime(log, (log.stat().st_atime, log.stat().st_mtime + 5))  # the log changed (e.g. a retried run)
    changed = inspect_log_sensor(build_sensor_context(instance=instance, resources=world, cursor=cursor))
    assert len(changed.run_requests) == 1 and changed.run_requests[0].run_key != request.run_key
