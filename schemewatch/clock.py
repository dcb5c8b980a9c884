"""One clock for the whole pipeline: evaluation dates are UTC calendar days.

Dagster's daily partitions are UTC, so "today" must be UTC too: a host ahead of
UTC that used its local date asked every night for a partition that did not exist
yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

#: The first evaluation date the daily partitions know.
FIRST_EVAL_DATE = date(2026, 1, 1)


def today_utc() -> date:
    """Today's date in UTC."""
    return datetime.now(UTC).date()


def now_utc_naive() -> datetime:
    """The current UTC time without a zone (how the warehouse stores timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


def check_eval_date(day: date) -> date:
    """``day`` if it is an evaluation date the pipeline can run, else ValueError saying which dates are.

    Allowed: from :data:`FIRST_EVAL_DATE` to today (UTC).
    """
    today = today_utc()
    if day < FIRST_EVAL_DATE:
        raise ValueError(f"date {day} is before the first evaluation date ({FIRST_EVAL_DATE}); "
                         f"pick a date from {FIRST_EVAL_DATE} to {today}")
    if day > today:
        raise ValueError(f"date {day} is in the future (today is {today} in UTC, the pipeline's clock); "
                         f"pick a date from {FIRST_EVAL_DATE} to {today}")
    return day
