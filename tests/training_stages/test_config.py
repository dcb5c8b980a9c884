"""The world config: the shipped file equals the defaults; bad files are one-line errors."""

from pathlib import Path

import pytest

from schemewatch.config import ConfigError
from training_stages.config import WorldConfig, load_world_config

SHIPPED = Path(__file__).parents[2] / "configs" / "default_world.toml"


def test_shipped_default_file_equals_the_built_in_defaults() -> None:
    assert load_world_config(SHIPPED).model_dump(exclude={"paths"}) == WorldConfig().model_dump(exclude={"paths"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[base]\nepochs = -1\n", "base.epochs"),
        ("[as_sft]\nbogus = 1\n", "as_sft.bogus"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_config_files_name_the_problem(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "world.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_world_config(path)


def test_missing_config_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_world_config(tmp_path / "nope.toml")


def test_a_table_given_in_part_keeps_the_worlds_defaults_for_the_rest() -> None:
    cfg = load_world_config(None, {"capability": {"rl": {"learning_rate": 2e-4}}, "as_sft": {"epochs": 3.0}})
    default = load_world_config(None)
    assert cfg.capability.rl.learning_rate == 2e-4
    assert cfg.capability.rl.model_dump(exclude={"learning_rate"}) == default.capability.rl.model_dump(
        exclude={"learning_rate"})
    assert cfg.as_sft.learning_rate == default.as_sft.learning_rate and cfg.as_sft.epochs == 3.0


def test_the_old_covert_thresholds_table_says_where_its_values_went(tmp_path) -> None:
    old = tmp_path / "old.toml"
    old.write_text("[orchestration.covert_thresholds]\nwarn = 0.2\nerror = 0.4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"covert_ceiling \(was warn\) and covert_severe_ceiling \(was error\)"):
        load_world_config(old)
