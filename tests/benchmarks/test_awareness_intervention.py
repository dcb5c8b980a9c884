"""The awareness benchmark's breakdowns: per inserted sentence, and the control read in injection's direction."""

import polars as pl

from benchmarks.awareness_intervention import (
    awareness_against_matched_control,
    by_citation,
    by_sentence,
    control_by_length,
    control_in_injections_direction,
)


def test_by_sentence_splits_arms_and_leaves_out_families_outside_the_aggregate() -> None:
    rows = pl.DataFrame({
        "sentence": ["A.", "A.", "A.", "A.", "B.", "B."],
        "arm": ["baseline", "intervened", "intervened", "intervened", "baseline", "intervened"],
        "covert": [False, True, False, True, False, False],
        "cites_spec": [True, False, True, True, True, True],
        "counts_in_aggregate": [True, True, True, False, True, True],
    })
    out = by_sentence(rows)
    assert out["A."]["intervened"] == {"n": 2, "covert_rate": 0.5, "citation_rate": 0.5}
    assert out["A."]["baseline"] == {"n": 1, "covert_rate": 0.0, "citation_rate": 1.0}
    assert out["B."]["intervened"]["covert_rate"] == 0.0


def test_a_control_that_raises_covert_does_not_lower_it_like_injection() -> None:
    raises = control_in_injections_direction({"inject": {"difference": -0.02}, "control": {"difference": 0.07}})
    lowers = control_in_injections_direction({"inject": {"difference": -0.02}, "control": {"difference": -0.03}})
    assert raises["holds"] and not lowers["holds"]
    assert control_in_injections_direction({"inject": {"skipped": "none"}, "control": {"difference": 0.0}}) is None


def test_by_citation_splits_each_arm_into_citing_and_not_citing() -> None:
    rows = pl.DataFrame({
        "arm": ["baseline", "baseline", "baseline", "intervened", "intervened", "intervened"],
        "covert": [False, True, True, False, False, True],
        "cites_spec": [True, False, False, True, True, True],
        "counts_in_aggregate": [True, True, False, True, True, True],
    })
    out = by_citation(rows)
    assert out["baseline"] == {"citing": {"n": 1, "covert_rate": 0.0}, "not_citing": {"n": 1, "covert_rate": 1.0}}
    assert out["intervened"]["citing"] == {"n": 3, "covert_rate": round(1 / 3, 6)}
    assert out["intervened"]["not_citing"] == {"n": 0, "covert_rate": None}


def test_the_length_matched_control_is_reported_against_both_interventions() -> None:
    kinds = {"inject": {"difference": -0.02}, "ablate": {"difference": 0.013},
             "control_by_length": {"difference": 0.07}}
    assert control_by_length(kinds) == {"holds": False, "control_by_length": 0.07}
    kinds["control_by_length"]["difference"] = -0.01
    assert control_by_length(kinds)["holds"]
    assert control_by_length({"inject": {"difference": -0.02}}) is None


def test_awareness_is_compared_with_the_matched_control_at_the_same_cuts() -> None:
    kinds = {"inject": {"intervened_k": 10, "intervened_n": 1000, "intervened_rate": 0.01},
             "control": {"intervened_k": 40, "intervened_n": 1000, "intervened_rate": 0.04}}
    out = awareness_against_matched_control(kinds)
    assert out["difference"] == -0.03 and out["p"] < 1e-4
    kinds["inject"] |= {"intervened_k": 40, "intervened_rate": 0.04}
    assert awareness_against_matched_control(kinds)["p"] > 0.5
    assert awareness_against_matched_control({"inject": {"skipped": "none"}, "control": {}}) is None
