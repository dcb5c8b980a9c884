"""The awareness_intervention asset and its check through Dagster, on one evaluation partition."""

import json
from datetime import date

from dagster import DagsterInstance, materialize

from assets.awareness import awareness_intervention
from assets.evaluation import checkpoint_partitions, partition_key
from assets.resources import PolicyResource
from checks.awareness_checks import good_behaviour_does_not_depend_on_awareness
from schemewatch.checkpoints import META_FILE
from schemewatch.environments import SUITE_VERSION, build_suite
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_records import EvalRun
from tests.dagster_world import tiny_definitions
from tests.dashboards.warehouse_fixture import AwarenessSensitivePolicy, StageRates, synthetic_samples
from training_stages.pipeline import planned_eval_run_id

DAY = date(2026, 11, 20)
ENVS = [e for e in build_suite("eval") if int(e.id.rpartition("-")[2]) < 6]


class SchemesWithoutAwareness(PolicyResource):
    """Answers as a model whose good behaviour depends on awareness (tests.dashboards.warehouse_fixture)."""

    def policy_name(self, checkpoint) -> str:  # noqa: ANN001
        return "schemes-without-awareness"

    def policy_for(self, checkpoint):  # noqa: ANN001, ANN201
        return AwarenessSensitivePolicy(ENVS)


class CannotScore(SchemesWithoutAwareness):
    """The same answers from a policy that cannot score text (as an OpenAI-compatible endpoint)."""

    def policy_for(self, checkpoint):  # noqa: ANN001, ANN201
        class Plain:
            name = "plain-endpoint"
            generate = AwarenessSensitivePolicy(ENVS).generate

        return Plain()


def _stored_evaluation(tmp_path, policy):  # noqa: ANN001, ANN202
    defs = tiny_definitions(tmp_path, extra="[intervention]\nmin_continuations_per_arm = 60\n")
    cfg = defs.resources["world"].load()
    ck = cfg.paths.checkpoints_dir / "ck-as-rl"
    ck.mkdir(parents=True)
    (ck / META_FILE).write_text(json.dumps({"id": "ck-as-rl", "stage": "as-rl", "stage_index": 2}))
    from schemewatch.checkpoints import read_checkpoint

    info = read_checkpoint(ck)
    warehouse = Warehouse(cfg.paths.warehouse_dir)
    warehouse.register_checkpoint(info)
    run = EvalRun(planned_eval_run_id(cfg, info, DAY, policy.policy_name(info)), info.id, SUITE_VERSION, "eval",
                  DAY, 0, 2, "", "fixture")
    warehouse.store_eval_run(run, synthetic_samples(run, ENVS, StageRates("as-rl", 0.05, 0.9, 0.3), 2, 0))
    return defs, cfg, info, run


def test_off_by_default_then_forced_it_stores_every_kind_and_the_check_flags_the_dependence(tmp_path) -> None:
    policy = SchemesWithoutAwareness()
    defs, cfg, info, run = _stored_evaluation(tmp_path, policy)
    assert not cfg.intervention.enabled
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(checkpoint_partitions.name, [info.id])
    resources = {**defs.resources, "policy": policy}
    assets = [awareness_intervention, good_behaviour_does_not_depend_on_awareness]
    off = materialize(assets, partition_key=partition_key(info.id, DAY), resources=resources, instance=instance)
    assert off.success
    (skipped,) = off.asset_materializations_for_node("awareness_intervention")
    assert "enabled is false" in skipped.metadata["skipped"].value
    # Nothing to judge yet: the check records no verdict (Dagster shows it skipped), never a pass.
    assert off.get_asset_check_evaluations() == []

    forced = materialize(assets, partition_key=partition_key(info.id, DAY), resources=resources, instance=instance,
                         run_config={"ops": {"awareness_intervention": {"config": {"force": True}}}})
    assert forced.success
    (check,) = forced.get_asset_check_evaluations()
    assert not check.passed and check.severity.value == "WARN"
    assert "ablating awareness" in check.metadata["summary"].value
    with WarehouseReader(cfg.paths.warehouse_dir) as reader:
        kinds = reader.query("SELECT kind FROM intervention_runs WHERE eval_run_id = ? ORDER BY kind",
                             [run.eval_run_id])["kind"].to_list()
        counted = reader.query("SELECT count(*) AS n FROM ordinary_runs")["n"][0]
    assert kinds == ["ablate", "control", "inject"] and counted == 1


def test_a_likelihood_matched_control_on_a_policy_that_cannot_score_fails_before_anything_runs(tmp_path) -> None:
    policy = CannotScore()
    defs, cfg, info, run = _stored_evaluation(tmp_path, policy)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(checkpoint_partitions.name, [info.id])
    result = materialize([awareness_intervention], partition_key=partition_key(info.id, DAY),
                         resources={**defs.resources, "policy": policy}, instance=instance, raise_on_error=False,
                         run_config={"ops": {"awareness_intervention": {"config": {"force": True}}}})
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "control_match = \"length\"" in failure.step_failure_data.error.message
    with WarehouseReader(cfg.paths.warehouse_dir) as reader:
        assert reader.query("SELECT count(*) AS n FROM intervention_runs")["n"][0] == 0
