"""train_chain's own pure pieces (the chain itself runs at toy size with benchmarks/toy_world.toml)."""

from benchmarks.criteria import load_criteria
from benchmarks.train_chain import EVAL_DATE, MAX_UNPARSEABLE, withhold_unparsed


def _rates(unparseable: float) -> dict:
    return {"n": 56, "covert_count": 0, "covert_rate": 0.0, "covert_ci_clustered": [0.0, 0.06],
            "citation_rate": 0.3, "cited_covert_rate": 0.0, "incomplete_rate": 0.0, "aware_rate": 0.02,
            "unparseable_rate": unparseable, "cited_n": 19}


def test_rates_from_answers_that_mostly_did_not_parse_are_withheld_with_the_parse_rate() -> None:
    # Measured at toy size: the shipped base v5 on the capability families, 56 of 56 unparseable, "0% covert".
    withheld = withhold_unparsed(_rates(1.0))
    assert withheld["covert_rate"] is None and withheld["citation_rate"] is None
    assert withheld["unparseable_rate"] == 1.0 and "100% of answers did not parse" in withheld["withheld"]
    kept = withhold_unparsed(_rates(MAX_UNPARSEABLE))
    assert kept["covert_rate"] == 0.0 and "withheld" not in kept


def test_the_first_evaluation_date_is_the_criteria_files() -> None:
    assert EVAL_DATE.isoformat() == load_criteria()["eval_dates"][0]
