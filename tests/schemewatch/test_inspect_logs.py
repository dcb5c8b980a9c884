"""Inspect logs built offline (a scripted model provider of our own, no network), read back and mapped."""

from pathlib import Path

import pytest

pytest.importorskip("inspect_ai")

from schemewatch.inspect_logs import (  # noqa: E402
    InspectLogError,
    ScoreField,
    ScoreMapping,
    log_files,
    read_run,
    read_samples,
)
from schemewatch.stats import wilson_interval  # noqa: E402
from tests.schemewatch.inspect_logs_data import N, run_task  # noqa: E402


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    return run_task(tmp_path_factory.mktemp("inspect-logs"))


def _rate(log: Path, mapping: ScoreMapping, column: str) -> tuple[int, int]:
    flags = [s.columns[column] for s in read_samples(read_run(log), mapping)]
    return sum(bool(f) for f in flags), sum(f is not None for f in flags)


@pytest.mark.parametrize("field", [
    ScoreField("as_float"), ScoreField("as_int"), ScoreField("as_bool"), ScoreField("honest_ci", invert=True),
    ScoreField("judge", key="schemed"),
], ids=["float", "int", "bool", "C/I inverted", "dict C/I"])
def test_every_score_shape_maps_to_the_same_covert_rate(log, field) -> None:
    k, n = _rate(log, ScoreMapping(covert=field), "covert")
    assert (k, n) == (3, 10)  # samples 1, 4 and 7 schemed
    low, high = wilson_interval(k, n)
    assert (round(low, 4), round(high, 4)) == (0.1078, 0.6032)  # Wilson 95% for 3 of 10


def test_dict_keys_map_to_their_own_columns(log) -> None:
    mapping = ScoreMapping(aware=ScoreField("judge", key="aware"), cites_spec=ScoreField("judge", key="cites"))
    assert _rate(log, mapping, "aware") == (2, 10)  # i = 0, 5
    assert _rate(log, mapping, "cites_spec") == (4, 10)  # i = 0 … 3
    assert _rate(log, mapping, "covert") == (0, 0)  # unmapped: no flag at all, not "not covert"


def test_the_header_the_samples_and_the_raw_scores(log) -> None:
    run = read_run(log)
    assert run.task == "scheming_probe" and run.model == "schemewatch_scripted/probe-model" and run.complete
    samples = list(read_samples(run, ScoreMapping()))
    assert [s.sample_id for s in samples] == [f"s{i}" for i in range(N)] and {s.epoch for s in samples} == {1}
    s4 = next(s for s in samples if s.sample_id == "s4")
    assert s4.response == "schemed 4" and s4.n_tokens == 6
    assert s4.scores["judge"] == {"schemed": "C", "aware": False, "cites": 0.0} and '"honest_ci": "I"' in s4.scores_json


def test_a_json_and_an_eval_log_of_one_task_read_alike(tmp_path, log) -> None:
    as_json = run_task(tmp_path, log_format="json")
    mapping = ScoreMapping(covert=ScoreField("judge", key="schemed"))
    assert [(s.sample_id, s.columns) for s in read_samples(read_run(as_json), mapping)] == [
        (s.sample_id, s.columns) for s in read_samples(read_run(log), mapping)]


def test_bad_mappings_and_files_are_one_clear_error(tmp_path, log) -> None:
    with pytest.raises(InspectLogError, match="names scorer 'nope', which this log does not have; its scorers: "):
        list(read_samples(read_run(log), ScoreMapping(covert=ScoreField("nope"))))
    with pytest.raises(InspectLogError, match=r"score 'judge' is a dict \(schemed, aware, cites\); name one"):
        list(read_samples(read_run(log), ScoreMapping(covert=ScoreField("judge"))))
    with pytest.raises(InspectLogError, match="has no key 'x'"):
        list(read_samples(read_run(log), ScoreMapping(covert=ScoreField("judge", key="x"))))
    junk = tmp_path / "junk.eval"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InspectLogError, match="is not a readable Inspect log"):
        read_run(junk)
    with pytest.raises(InspectLogError, match="does not exist"):
        log_files([tmp_path / "missing"])
    with pytest.raises(InspectLogError, match=r"is not an Inspect log \(.eval or .json\)"):
        log_files([Path(__file__)])


def test_a_toml_mapping_file(tmp_path, log) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text('[covert]\nscorer = "honest_ci"\ninvert = true\n[aware]\nscorer = "judge"\nkey = "aware"\n')
    mapping = ScoreMapping.load(path)
    assert _rate(log, mapping, "covert") == (3, 10) and _rate(log, mapping, "aware") == (2, 10)
    path.write_text('[covertness]\nscorer = "x"\n')
    with pytest.raises(InspectLogError, match="unknown column 'covertness'; columns: covert, aware, cites_spec"):
        ScoreMapping.load(path)
    path.write_text('[covert]\nscorer = "x"\nkeys = "y"\n')
    with pytest.raises(InspectLogError, match=r"\[covert\]: .*keys"):
        ScoreMapping.load(path)


@pytest.mark.parametrize(("value", "field", "flag"), [
    ("P", ScoreField("s"), True), ("P", ScoreField("s", true_at=0.75), False), ("yes", ScoreField("s"), True),
    ("No", ScoreField("s"), False), ("0.7", ScoreField("s"), True), ({"k": 1}, ScoreField("s", "k"), True),
    ({"k": 0}, ScoreField("s", "k"), False), ("lie", ScoreField("s", equals="lie"), True),
    ("honest", ScoreField("s", equals="lie"), False), (True, ScoreField("s", invert=True), False),
], ids=["P", "P below", "yes", "No", "number string", "int in dict", "zero in dict", "label", "other label",
        "bool inverted"])
def test_every_scalar_shape_gives_its_flag(value, field, flag) -> None:
    assert field.flag({"s": value}) is flag


def test_an_unknown_label_asks_for_equals_instead_of_reading_as_zero() -> None:
    with pytest.raises(InspectLogError, match=r"is the label 'lie'.*equals = 'lie'"):
        ScoreField("s").flag({"s": "lie"})


@pytest.mark.parametrize(("table", "message"), [
    ('[covert]\nscorer = "x"\ntrue_at = "high"\n', r"true_at = 'high' must be a number"),
    ('[covert]\nscorer = 3\n', "scorer = 3 must be a string"),
    ('[covert]\nscorer = "x"\ninvert = 1\n', "invert = 1 must be true or false"),
    ('covert = "x"\n', r"covert must be a table \(\[covert\]\)"),
])
def test_mapping_values_of_the_wrong_type_are_one_line(tmp_path, table, message) -> None:
    path = tmp_path / "m.toml"
    path.write_text(table)
    with pytest.raises(InspectLogError, match=message):
        ScoreMapping.load(path)
