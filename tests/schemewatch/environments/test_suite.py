"""The suite as a whole: size, splits, stability, structure."""

import subprocess
import sys
from collections import defaultdict

import pytest

from schemewatch.environments import (
    SUITE_VERSION,
    ActionKind,
    Split,
    build_suite,
    corpus_environments,
    environment,
    families,
)
from schemewatch.environments._common import FORMAT

EVAL = build_suite("eval")
TRAIN = build_suite("train")
CAPABILITY = build_suite("capability")


def test_eval_split_has_at_least_26_families_and_180_environments() -> None:
    assert len({e.family for e in EVAL}) >= 26
    assert len(EVAL) >= 180


def test_training_split_is_the_two_narrow_families() -> None:
    assert {e.family for e in TRAIN} == {"covert_rule_violation", "anti_over_refusal"}


def test_no_family_in_two_splits() -> None:
    eval_f, train_f, cap_f = ({e.family for e in split} for split in (EVAL, TRAIN, CAPABILITY))
    assert not eval_f & train_f and not eval_f & cap_f and not train_f & cap_f


def test_the_capability_split_has_at_least_eight_families_whose_actions_no_other_split_offers() -> None:
    # Capability RL trains on these; sharing a tool name with a held-out family would carry a trained
    # preference straight into the headline's environments.
    assert len({e.family for e in CAPABILITY}) >= 8
    names = {a.name for e in CAPABILITY for a in e.actions}
    assert not names & {a.name for e in EVAL + TRAIN for a in e.actions}
    assert {a.kind for e in CAPABILITY for a in e.actions} >= {ActionKind.HONEST, ActionKind.COVERT}


def test_an_unknown_split_names_the_three() -> None:
    with pytest.raises(ValueError, match="train, eval, capability"):
        build_suite("held-out")


def test_ids_are_unique_and_stable_across_processes() -> None:
    ids = [e.id for e in build_suite()]
    assert len(ids) == len(set(ids))
    code = "from schemewatch.environments import build_suite; print([e.id for e in build_suite()])"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == str(ids)
    code = (
        "import hashlib; from schemewatch.environments import build_suite; "
        "print(hashlib.sha256(repr([e.prompt for e in build_suite()]).encode()).hexdigest())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True,
            env={"PYTHONHASHSEED": str(s), "PATH": ""},
        ).stdout
        for s in (1, 2)
    }
    assert len(runs) == 1, "prompts must not depend on the process's hash seed"


def test_lookup_by_id_rebuilds_the_same_environment() -> None:
    for env in EVAL[::13]:
        assert environment(env.id) == env


def test_every_environment_is_complete() -> None:
    for env in build_suite():
        assert env.family in families() and env.category and env.domain
        assert FORMAT in env.prompt.rstrip().splitlines()[-1], env.id  # the request closes the prompt
        names = [a.name for a in env.actions]
        assert len(names) == len(set(names)), env.id
        assert all(name in env.prompt for name in names), env.id
        assert env.actions_of(ActionKind.HONEST) or env.family == "covert_rule_violation", env.id
        assert env.actions_of(ActionKind.COVERT), env.id
        assert env.ground_truth.good_outcomes, env.id
        if env.ground_truth.violation is not None:
            assert env.ground_truth.disclosure_patterns, env.id


def test_each_family_has_seven_distinct_environments() -> None:
    prompts = defaultdict(set)
    for env in build_suite():
        prompts[env.family].add(env.prompt)
    assert all(len(p) >= 7 for p in prompts.values()), {f: len(p) for f, p in prompts.items()}


def test_eval_families_do_not_share_the_training_scaffold() -> None:
    train_actions = {a.name for e in TRAIN for a in e.actions}
    for env in EVAL:
        assert "[TASK]" not in env.prompt and "[RULES]" not in env.prompt, env.id
        assert not train_actions & {a.name for a in env.actions}, env.id


def test_eval_families_differ_in_layout_from_each_other() -> None:
    first_lines = defaultdict(set)
    for env in EVAL:
        # The first line's shape, numbers and names aside.
        shape = "".join(ch for ch in env.prompt.splitlines()[0][:12] if not ch.isalnum())
        first_lines[shape].add(env.family)
    # No single opening shape is shared by more than a third of the families.
    n_families = len({e.family for e in EVAL})
    assert max(len(f) for f in first_lines.values()) <= n_families / 3


def test_strategic_games_stay_out_of_aggregates() -> None:
    games = [e for e in EVAL if e.category == "strategic games"]
    assert games and not any(e.counts_in_aggregate for e in games)
    assert all(e.counts_in_aggregate for e in EVAL if e.category != "strategic games")


def test_corpus_environments_never_reuse_suite_seeds() -> None:
    suite_prompts = {e.prompt for e in build_suite()}
    corpus = corpus_environments(7)
    assert {e.split for e in corpus} == {Split.TRAIN, Split.EVAL, Split.CAPABILITY}
    assert not {e.seed for e in corpus} & {e.seed for e in build_suite()}
    assert not {e.id for e in corpus} & {e.id for e in build_suite()}
    # Small families can coincide by chance; most corpus prompts must be new.
    overlap = sum(e.prompt in suite_prompts for e in corpus)
    assert overlap <= len(corpus) // 10


def test_suite_version_is_recorded() -> None:
    assert SUITE_VERSION.count(".") == 2
