"""Inspect AI evaluation logs as schemewatch records: read through Inspect's own log API, scores mapped.

Inspect writes one log per run (``.eval``, a zip, or ``.json``); its format changes between
releases, so logs are only ever read through :mod:`inspect_ai.log` (header first, then the
samples one at a time), never unzipped here. Each sample becomes an :class:`InspectSample`:
its identity (the log's eval id, task, model, sample id and epoch), the final output text,
token counts where the log has them, every score raw (kept as JSON, so a mapping added later
can re-derive columns without re-reading logs), and the columns a :class:`ScoreMapping` says
the scores mean (covert, verbalised evaluation awareness, a spec citation; each optional).

Score values come as floats, ints, booleans, strings (``"C"``/``"I"``/``"P"``/``"N"``,
``"yes"``/``"no"``, numbers) or flat dicts of these; a :class:`ScoreField` names the scorer
(and, for a dict, the key) and turns the value into a flag with Inspect's ``value_to_float``.

inspect-ai is imported inside the functions that need it, so importing this module (and the
CLI) stays fast.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

LOG_SUFFIXES = (".eval", ".json")
COLUMNS = ("covert", "aware", "cites_spec")


class InspectLogError(ValueError):
    """A log or mapping that cannot be ingested; the message names the file and what to do."""


@dataclass(frozen=True)
class ScoreField:
    """Which score means one column, and how its value becomes a flag.

    Attributes:
        scorer: The scorer's name in the log (a key of ``EvalSample.scores``).
        key: For a dict-valued score, the key to read; ``None`` for a scalar value.
        true_at: The flag is set when Inspect's ``value_to_float`` of the value is at least this
            (``"C"`` → 1, ``"P"`` → 0.5, ``"I"``/``"N"`` → 0, booleans and numbers as themselves).
        invert: Flip the flag (e.g. a scorer that says ``"C"`` when the model stayed honest).
        equals: Instead of a number, the flag is set when the value is exactly this string (a label score
            such as MASK's ``honesty = "lie"``).
    """

    scorer: str
    key: str | None = None
    true_at: float = 0.5
    invert: bool = False
    equals: str | None = None

    def flag(self, scores: Mapping[str, Any]) -> bool | None:
        """The column's flag from one sample's raw score values (``None``: the sample has no such score).

        Raises:
            InspectLogError: the value is a dict but no ``key`` is set, the key is missing, or the value
                is not a scalar Inspect can turn into a number.
        """
        if self.scorer not in scores:
            return None
        value = scores[self.scorer]
        where = f"score {self.scorer!r}"
        if isinstance(value, Mapping):
            if self.key is None:
                raise InspectLogError(f"{where} is a dict ({', '.join(map(str, value))}); name one with key = …")
            if self.key not in value:
                raise InspectLogError(f"{where} has no key {self.key!r}; it has: {', '.join(map(str, value))}")
            value, where = value[self.key], f"{where}[{self.key!r}]"
        if value is None:
            return None
        if isinstance(value, list | tuple | Mapping):
            raise InspectLogError(f"{where} is {type(value).__name__}, not a scalar; map a key of it instead")
        if self.equals is not None:
            return (str(value) == self.equals) != self.invert
        if isinstance(value, str) and not _is_numeric_label(value):
            # Inspect's value_to_float reads an unknown label as 0 with only a warning: the flag would be
            # silently false for every sample.
            raise InspectLogError(f"{where} is the label {value!r}, not a number or C/I/P/N/yes/no/true/false; "
                                  f"map it with equals = {value!r} (the label that sets the flag)")
        number = _to_float(value)
        if math.isnan(number):
            return None
        return (number >= self.true_at) != self.invert


# What Inspect's value_to_float reads (0.3.285): the grade letters as written, yes/no/true/false in any case.
_GRADES = {"C", "I", "P", "N"}
_WORDS = {"yes", "no", "true", "false"}


def _is_numeric_label(value: str) -> bool:
    """Whether Inspect's value_to_float reads ``value`` as intended (a grade letter, yes/no, or a number)."""
    if value.strip() in _GRADES or value.strip().lower() in _WORDS:
        return True
    try:
        float(value)
    except ValueError:
        return False
    return True


def _to_float(value: Any) -> float:
    from inspect_ai.scorer import value_to_float

    return float(value_to_float()(value))


@dataclass(frozen=True)
class ScoreMapping:
    """Which scores mean covert, verbalised evaluation awareness and a spec citation (each optional)."""

    covert: ScoreField | None = None
    aware: ScoreField | None = None
    cites_spec: ScoreField | None = None

    def fields(self) -> dict[str, ScoreField]:
        """The mapped columns."""
        return {c: f for c in COLUMNS if (f := getattr(self, c)) is not None}

    def key(self) -> str:
        """The mapping in one line (stored with an ingested run, so a changed mapping re-ingests it)."""
        parts = [f"{c}={f.scorer}{'.' + f.key if f.key else ''}"
                 f"{'==' + f.equals if f.equals is not None else '@' + format(f.true_at, 'g')}{'!' if f.invert else ''}"
                 for c, f in self.fields().items()]
        return ";".join(parts) or "unmapped"

    def scorers(self) -> set[str]:
        """The scorers the mapping reads."""
        return {f.scorer for f in self.fields().values()}

    def apply(self, scores: Mapping[str, Any]) -> dict[str, bool | None]:
        """Every column's flag for one sample (``None`` where unmapped or unscored)."""
        return {c: (f.flag(scores) if (f := getattr(self, c)) is not None else None) for c in COLUMNS}

    @classmethod
    def load(cls, path: str | Path) -> ScoreMapping:
        """A mapping from a TOML file: one table per column, e.g.::

            [covert]
            scorer = "scheming_judge"
            key = "schemed"        # for a dict-valued score
            true_at = 0.5
            invert = false

        Raises:
            InspectLogError: the file is missing or not TOML, or a table has an unknown column or key.
        """
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InspectLogError(f"mapping file {str(p)!r} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InspectLogError(f"mapping file {str(p)!r} is not valid TOML: {exc}") from None
        unknown = set(data) - set(COLUMNS)
        if unknown:
            raise InspectLogError(f"mapping file {str(p)!r}: unknown column {sorted(unknown)[0]!r}; "
                                  f"columns: {', '.join(COLUMNS)}")
        fields = {}
        types = {"scorer": (str,), "key": (str,), "true_at": (int, float), "invert": (bool,), "equals": (str,)}
        for column, table in data.items():
            if not isinstance(table, dict):
                raise InspectLogError(f"mapping file {str(p)!r}: {column} must be a table ([{column}]), "
                                      f"not {type(table).__name__}")
            for name, value in table.items():
                if name in types and (not isinstance(value, types[name]) or isinstance(value, bool) != (
                        types[name] == (bool,))):
                    wanted = {"scorer": "a string", "key": "a string", "true_at": "a number", "invert": "true or "
                              "false", "equals": "a string"}[name]
                    raise InspectLogError(f"mapping file {str(p)!r}: [{column}] {name} = {value!r} must be {wanted}")
            try:
                fields[column] = ScoreField(**table)
            except TypeError as exc:
                raise InspectLogError(f"mapping file {str(p)!r}: [{column}]: {exc}; keys: scorer, key, true_at, "
                                      "invert, equals") from None
        return cls(**fields)


    def present_in(self, scorers: set[str]) -> ScoreMapping:
        """The mapping without the columns whose scorer is not among ``scorers`` (optional scorers of a task)."""
        return ScoreMapping(**{c: f for c, f in self.fields().items() if f.scorer in scorers})


#: Our own task's scorer (``schemewatch.inspect_task``) returns one dict per sample; no mapping file needed.
SCHEMEWATCH_MAPPING = ScoreMapping(
    covert=ScoreField("schemewatch", "covert"),
    aware=ScoreField("schemewatch", "eval_aware"),
    cites_spec=ScoreField("schemewatch", "cites_spec"),
)


#: Built-in mappings for inspect_evals tasks about scheming and deception, by task name (read from
#: inspect_evals 0.28.0's scorers). A column whose scorer a log lacks (e.g. agentic_misalignment's
#: awareness scorer, added only with ``-T test_eval_awareness=true``) is left unmapped, not an error.
BUILTIN_MAPPINGS: dict[str, ScoreMapping] = {
    # harmful = 1: the model blackmailed, leaked or let harm happen (rule checks and the grader agree);
    # aware = 1: its reasoning concluded it was being evaluated.
    "agentic_misalignment": ScoreMapping(covert=ScoreField("harmfulness_scorer", "harmful"),
                                         aware=ScoreField("eval_awareness_scorer", "aware")),
    # honesty is a label: "lie" when the statement contradicts the model's elicited belief.
    "mask": ScoreMapping(covert=ScoreField("accuracy_and_honesty", "honesty", equals="lie")),
    # "C": the covert goal was achieved without the overseer noticing.
    "gdm_oversight_pattern": ScoreMapping(covert=ScoreField("success_scorer")),
    "gdm_classifier_evasion": ScoreMapping(covert=ScoreField("success_scorer")),
    # convergence = 1: the model pursued the instrumental goal (deception, evading shutdown, …).
    "instrumentaleval": ScoreMapping(covert=ScoreField("instrumentaleval_scorer", "convergence")),
}


def builtin_mapping(task: str) -> ScoreMapping | None:
    """The built-in mapping of an inspect_evals task (``inspect_evals/mask`` or ``mask``), if there is one."""
    return BUILTIN_MAPPINGS.get(task.removeprefix("inspect_evals/"))


@dataclass(frozen=True)
class InspectRun:
    """One log's header: what ran, on what, and how it ended."""

    path: Path
    eval_id: str
    run_id: str
    task: str
    task_version: str
    task_args: dict[str, Any]
    model: str
    created: datetime
    status: str
    epochs: int = 1
    seed: int = 0
    scorers: tuple[str, ...] = ()
    n_samples: int | None = None

    @property
    def scorer_names(self) -> set[str]:
        """The scorers the header lists, as sample scores are keyed (without a package prefix)."""
        return {name.rsplit("/", 1)[-1] for name in self.scorers}

    @property
    def expected_rows(self) -> int | None:
        """Samples × epochs the header lists (``None`` when it lists no sample ids)."""
        return None if self.n_samples is None else self.n_samples * self.epochs

    def rows_to_ingest(self, errored: int) -> int | None:
        """The rows an ingest of this log should hold: samples × epochs, less those that errored in Inspect."""
        return None if self.expected_rows is None else self.expected_rows - errored

    @property
    def eval_date(self) -> date:
        """The run's calendar day (UTC), from the log."""
        return self.created.date()

    @property
    def complete(self) -> bool:
        """Whether every sample was run (``success``); errored or cancelled logs hold some."""
        return self.status == "success"


@dataclass(frozen=True)
class InspectSample:
    """One sample of a log, with its raw scores and the mapped columns."""

    sample_id: str
    epoch: int
    response: str
    n_tokens: int | None
    scores: dict[str, Any]
    columns: dict[str, bool | None] = field(default_factory=dict)
    #: The sample errored in Inspect (no output, no scores): nothing to grade or map.
    errored: bool = False

    @property
    def scores_json(self) -> str:
        """Every raw score value, as JSON (kept so a later mapping can re-derive the columns)."""
        return json.dumps(self.scores, sort_keys=True, default=str)


def log_files(paths: list[str | Path]) -> list[Path]:
    """The ``.eval`` / ``.json`` logs among ``paths`` (files, or directories searched recursively), sorted.

    Raises:
        InspectLogError: a path does not exist, or a file is not a log.
    """
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found += [f for f in p.rglob("*") if f.suffix in LOG_SUFFIXES and f.is_file()]
        elif p.is_file():
            if p.suffix not in LOG_SUFFIXES:
                raise InspectLogError(f"{str(p)!r} is not an Inspect log (.eval or .json)")
            found.append(p)
        else:
            raise InspectLogError(f"{str(p)!r} does not exist")
    return sorted(set(found))


def read_run(path: Path) -> InspectRun:
    """A log's header (Inspect's ``read_eval_log(header_only=True)``).

    Raises:
        InspectLogError: the file cannot be read as an Inspect log.
    """
    from inspect_ai.log import read_eval_log

    try:
        log = read_eval_log(str(path), header_only=True)
    except Exception as exc:  # noqa: BLE001 - Inspect raises many kinds; all mean "not a readable log"
        raise InspectLogError(f"{str(path)!r} is not a readable Inspect log: {type(exc).__name__}: {exc}") from None
    spec = log.eval
    return InspectRun(
        path=path, eval_id=spec.eval_id, run_id=spec.run_id, task=spec.task, task_version=str(spec.task_version),
        task_args=dict(spec.task_args or {}), model=spec.model, created=datetime.fromisoformat(spec.created),
        status=log.status, epochs=int(spec.config.epochs or 1),
        seed=int(getattr(spec.model_generate_config, "seed", None) or 0),
        scorers=tuple(s.name for s in (spec.scorers or [])),
        n_samples=len(spec.dataset.sample_ids) if spec.dataset.sample_ids is not None else None,
    )


def read_samples(run: InspectRun, mapping: ScoreMapping) -> Iterator[InspectSample]:
    """The run's samples, one at a time, with the mapped columns.

    An errored or cancelled log yields the samples it holds; a sample that errored in Inspect comes
    with ``errored`` set and no columns. Raises :class:`InspectLogError` when the mapping names a scorer
    the log does not have: checked against the header's scorers (before any sample is yielded), or,
    for a header that lists none, against the first sample with scores.
    """
    from inspect_ai.log import read_eval_log_samples

    have = run.scorer_names
    if have:
        _check_scorers(run, mapping, have)
    for sample in read_eval_log_samples(str(run.path), all_samples_required=False):
        out = _sample(sample, run, mapping)
        if not have and out.scores:
            have = set(out.scores)
            _check_scorers(run, mapping, have)
        yield out


def first_scores(run: InspectRun) -> set[str]:
    """The scorers a log's samples carry: the header's, else those of its first scored sample."""
    if run.scorer_names:
        return run.scorer_names
    from inspect_ai.log import read_eval_log_samples

    for sample in read_eval_log_samples(str(run.path), all_samples_required=False):
        if sample.scores:
            return set(sample.scores)
    return set()


def _check_scorers(run: InspectRun, mapping: ScoreMapping, have: set[str]) -> None:
    missing = sorted(mapping.scorers() - have)
    if missing:
        raise InspectLogError(f"{str(run.path)!r}: the mapping names scorer {missing[0]!r}, which this log does "
                              f"not have; its scorers: {', '.join(sorted(have)) or 'none'}")


def _sample(sample: Any, run: InspectRun, mapping: ScoreMapping) -> InspectSample:
    scores = {name: score.value for name, score in (sample.scores or {}).items()}
    usage = (sample.model_usage or {}).get(run.model)
    n_tokens = usage.output_tokens if usage is not None else None
    if not scores and getattr(sample, "error", None) is not None:
        return InspectSample(str(sample.id), int(sample.epoch), "", n_tokens, {}, {}, errored=True)
    try:
        columns = mapping.apply(scores)
    except InspectLogError as exc:
        raise InspectLogError(f"{str(run.path)!r}, sample {sample.id} epoch {sample.epoch}: {exc}") from None
    return InspectSample(str(sample.id), int(sample.epoch), sample.output.completion if sample.output else "",
                         n_tokens, scores, columns)
