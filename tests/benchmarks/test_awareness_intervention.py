"""The awareness benchmark's breakdowns: per inserted sentence, and the control read in injection's direction."""

import polars as pl

from benchmarks.awareness_intervention import by_sentence, control_in_injections_direction


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
