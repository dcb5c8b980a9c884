"""resolve_paths: one order of precedence for every location."""

from pathlib import Path

import pytest

from schemewatch.config import ConfigError, resolve_paths

ENV = {"SCHEMEWATCH_DATA": "/env/data", "SCHEMEWATCH_WAREHOUSE": "/env/wh"}


def test_defaults_are_under_data() -> None:
    paths = resolve_paths(environ={})
    assert paths.data_dir == Path("data") and paths.warehouse_dir == Path("data/warehouse")


def test_the_environment_beats_the_file_and_its_warehouse_beats_its_data_dir() -> None:
    paths = resolve_paths(file={"data_dir": "/file/data", "warehouse": "/file/wh"}, environ=ENV)
    assert paths.data_dir == Path("/env/data") and paths.warehouse_dir == Path("/env/wh")


def test_a_data_dir_in_the_environment_hides_the_files_warehouse() -> None:
    paths = resolve_paths(file={"warehouse": "/file/wh"}, environ={"SCHEMEWATCH_DATA": "/env/data"})
    assert paths.warehouse_dir == Path("/env/data/warehouse")


def test_a_data_dir_flag_wins_over_the_environments_warehouse() -> None:
    paths = resolve_paths(flags={"data_dir": "/flag"}, environ=ENV)
    assert paths.data_dir == Path("/flag") and paths.warehouse_dir == Path("/flag/warehouse")


def test_a_warehouse_flag_keeps_the_environments_data_dir() -> None:
    paths = resolve_paths(flags={"warehouse": "/flag/wh"}, environ=ENV)
    assert paths.data_dir == Path("/env/data") and paths.warehouse_dir == Path("/flag/wh")


def test_the_file_applies_when_nothing_else_says() -> None:
    paths = resolve_paths(file={"data_dir": "/file/data"}, environ={})
    assert paths.warehouse_dir == Path("/file/data/warehouse")


def test_bad_paths_tables_name_the_problem() -> None:
    with pytest.raises(ConfigError, match="paths: wherehouse"):
        resolve_paths(file={"wherehouse": "/x"}, environ={})
    with pytest.raises(ConfigError, match=r"\[paths\] must be a table"):
        resolve_paths(file="data", environ={})  # type: ignore[arg-type]


def test_world_config_resources_and_cli_agree_on_the_warehouse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With $SCHEMEWATCH_WAREHOUSE set, Dagster's resources and the CLI read the same directory."""
    from click.testing import CliRunner

    from assets.resources import WarehouseResource
    from orchestration.cli import cli
    from orchestration.cli_support import data_paths
    from training_stages.config import load_world_config

    monkeypatch.setenv("SCHEMEWATCH_WAREHOUSE", str(tmp_path / "wh"))
    monkeypatch.setenv("SCHEMEWATCH_DATA", str(tmp_path / "d"))
    assert load_world_config().paths.warehouse_dir == tmp_path / "wh"
    assert Path(WarehouseResource().root) == tmp_path / "wh"
    seen = []

    @cli.command("where-test", hidden=True)
    def where_test() -> None:
        import click

        seen.append(data_paths(click.get_current_context()).warehouse_dir)

    try:
        assert CliRunner().invoke(cli, ["where-test"]).exit_code == 0
        assert CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "flag"), "where-test"]).exit_code == 0
    finally:
        cli.commands.pop("where-test")
    assert seen == [tmp_path / "wh", tmp_path / "flag" / "warehouse"]
