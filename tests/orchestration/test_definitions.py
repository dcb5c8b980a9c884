"""The Definitions load, validate and follow the world config's shape."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.dagster_world import tiny_definitions

ROOT = Path(__file__).parents[2]


def _asset_names(defs) -> set[str]:
    return {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}


def test_default_definitions_have_every_asset_job_schedule_and_sensor() -> None:
    from orchestration.definitions import defs

    names = _asset_names(defs)
    assert {"tokenizer", "base_model", "anti_scheming_rollouts", "anti_scheming_sft_data",
            "anti_scheming_sft_model", "anti_scheming_rl_model", "capability_stage_1_model",
            "capability_stage_3_model", "checkpoint_evaluation", "evaluation_drift", "covert_alerts",
            "inspect_evaluation", "inspect_monitoring", "awareness_intervention"} <= names
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"training_job", "evaluation_job", "inspect_job",
                                                             "awareness_job"}
    assert {s.name: s.cron_schedule for s in defs.schedules}["nightly_reevaluation"] == "0 2 * * *"
    assert {s.name for s in defs.sensors} == {"new_checkpoint_sensor", "alert_delivery_sensor", "inspect_log_sensor"}
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {"samples_meet_expectations", "covert_rate_within_thresholds", "drift_within_tolerance",
                      "ingested_samples_meet_expectations", "good_behaviour_does_not_depend_on_awareness"}


def test_the_graph_follows_the_config(tmp_path) -> None:
    names = _asset_names(tiny_definitions(tmp_path, anti_scheming=False, stages=2))
    assert "anti_scheming_sft_model" not in names
    assert {"capability_stage_1_model", "capability_stage_2_model"} <= names
    assert "capability_stage_3_model" not in names


def test_dagster_definitions_validate_passes() -> None:
    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run([str(dagster), "definitions", "validate"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Validation successful" in done.stderr + done.stdout
