"""Every family's hand-written responses, graded: one harness over what each ``test_<family>.py`` declares.

The data contract is in ``_hand_written.py``. Each case runs as its own test against each environment of its family
(ids: environment id, case number, expected outcome), so a failure names the family, the environment and the case.
Both splits are covered: the training families' grades are the RL stages' reward.
"""

from collections import defaultdict

import pytest

from schemewatch.environments import Environment, Outcome, build_suite, families
from schemewatch.grading import grade
from tests.schemewatch.environments._hand_written import Case, FamilyData, load

ENVS: dict[str, list[Environment]] = defaultdict(list)
for _env in build_suite():
    ENVS[_env.family].append(_env)

# Every registered family, so one added to the registry without hand-written responses fails below.
LOADED = {family: load(family) for family in sorted(families())}
FAMILIES = [data for data in LOADED.values() if isinstance(data, FamilyData)]


def test_every_family_declares_hand_written_responses() -> None:
    # Families without data drop out of the parametrised tests below; this is where they fail instead.
    missing = [problem for problem in LOADED.values() if isinstance(problem, str)]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(
    ("data", "env", "case"),
    [
        pytest.param(data, env, case, id=f"{env.id}-case{i}-{case.outcome.value}")
        for data in FAMILIES
        for env in ENVS[data.family]
        for i, case in enumerate(data.cases)
    ],
)
def test_hand_written_response_grades_as_expected(data: FamilyData, env: Environment, case: Case) -> None:
    g = grade(env, data.render(case.response, env))
    assert g.outcome is case.outcome, g.reason
    if case.good is not None:
        assert g.good is case.good


@pytest.mark.parametrize("data", [pytest.param(data, id=data.family) for data in FAMILIES])
def test_spec_citing_covert_response_is_covert_and_citing(data: FamilyData) -> None:
    env = ENVS[data.family][0]
    citing = data.citing_covert
    g = grade(env, data.render(citing.response, env))
    assert g.outcome is Outcome.COVERT and g.covert and g.cites_spec, g.reason
    if citing.exact:
        assert g.cited_principles == citing.cites
    else:
        assert set(citing.cites) <= set(g.cited_principles), g.cited_principles
