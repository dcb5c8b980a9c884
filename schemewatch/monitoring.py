"""The post-evaluation pipeline in one call: drift, alert rules, delivery.

What ``schemewatch alerts --check`` and the end of ``schemewatch run`` do;
under ``dagster dev`` the same three steps are the ``evaluation_drift`` and
``covert_alerts`` assets and the ``alert_delivery_sensor``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from schemewatch.alert_rules import DEFAULT_ALERTS
from schemewatch.alerts import CheckResult, check_pending
from schemewatch.channels import Channel
from schemewatch.config import AlertsConfig, DriftConfig, PathsConfig
from schemewatch.delivery import DeliveryRecord, deliver_pending
from schemewatch.delivery import deliver as deliver_configured
from schemewatch.drift import DEFAULT_DRIFT, DriftError, compute_drift, runs_without_drift
from schemewatch.warehouse import Warehouse, WarehouseReader


@dataclass(frozen=True)
class MonitorSummary:
    """What :func:`monitor` did.

    Attributes:
        drift: Evaluations whose drift was computed.
        drift_skipped: Evaluations left without drift, and why (no reference yet).
        checks: One result per evaluation the rules looked at.
        deliveries: One record per (event, channel) sent.
    """

    drift: list[str]
    drift_skipped: dict[str, str]
    checks: list[CheckResult]
    deliveries: list[DeliveryRecord]

    @property
    def opened(self) -> list[str]:
        """Alerts opened by this call."""
        return [a for c in self.checks for a in c.opened]

    @property
    def resolved(self) -> list[str]:
        """Alerts resolved by this call."""
        return [a for c in self.checks for a in c.resolved]


def monitor(
    paths: PathsConfig,
    drift_cfg: DriftConfig = DEFAULT_DRIFT,
    alerts_cfg: AlertsConfig = DEFAULT_ALERTS,
    *,
    channels: list[Channel] | None = None,
    deliver: bool = True,
    log: Callable[[str], None] = lambda _: None,
) -> MonitorSummary:
    """Drift for every evaluation without it, the alert rules for every evaluation not judged, then delivery.

    The whole post-evaluation pipeline in one call (``schemewatch alerts --check``);
    Dagster runs the same three steps as an asset, an asset check and a sensor.
    """
    warehouse = Warehouse(paths.warehouse_dir)
    with WarehouseReader(warehouse.root) as reader:
        missing = runs_without_drift(reader)
    drifted, skipped = [], {}
    for run_id in missing:
        try:
            result = compute_drift(warehouse, run_id, report_dir=paths.drift_dir,
                                   workspace_dir=paths.evidently_workspace_dir, cfg=drift_cfg)
        except DriftError as exc:  # no reference yet: computed on a later call
            skipped[run_id] = str(exc)
            log(f"drift {run_id}: skipped ({exc})")
            continue
        drifted.append(run_id)
        log(f"drift {run_id}: {result.report.n_drifted}/{result.report.n_columns} columns drifted "
            f"({result.report.seconds:.1f} s)")
    checks = check_pending(warehouse, alerts_cfg, drift_cfg)
    for c in checks:
        for a in c.opened:
            log(f"alert opened: {a} ({c.eval_run_id})")
        for a in c.resolved:
            log(f"alert resolved: {a} ({c.eval_run_id})")
    sent: list[DeliveryRecord] = []
    if deliver and channels is None:
        sent = deliver_configured(paths, alerts_cfg)
    elif deliver:
        sent = deliver_pending(warehouse, channels, max_attempts=alerts_cfg.max_delivery_attempts,
                               max_event_age=timedelta(hours=alerts_cfg.max_event_age_h))
    return MonitorSummary(drifted, skipped, checks, sent)
