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
