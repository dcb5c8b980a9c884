"""Fixtures of the dashboard tests: one small warehouse per session, an empty one per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboards.warehouse_fixture import FixtureInfo, small_warehouse


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> FixtureInfo:
    """4 checkpoints, 2 evaluation dates, 4 families, drift rows with reports, one open and one resolved alert."""
    return small_warehouse(tmp_path_factory.mktemp("dashboard") / "warehouse")


@pytest.fixture
def empty_warehouse(tmp_path: Path) -> Path:
    """A warehouse directory nothing was ever written to."""
    return tmp_path / "warehouse"
