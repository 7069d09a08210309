"""The audit log's time form: `created_at` is UTC ISO 8601 text with microseconds, so the text
order is the time order. Everything that filters the log by time (the APIs, the console, the
`audit` commands) converts its input here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


class OutOfRange(ValueError):
    """A well-formed date-time whose UTC moment falls outside year 1..9999 (Python's range)."""


def to_log_time(value: str) -> str:
    """`2026-04-01` or an ISO date-time -> the UTC text form `created_at` uses; ValueError if bad.

    `0001-01-01T00:00:00+14:00` is well-formed but lies before year 1 in UTC: converting it
    raises OverflowError, which is a bad input (OutOfRange, a ValueError), not a server error.
    """
    text = value.strip()
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    else:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    except OverflowError:
        raise OutOfRange(f"{value!r} is outside the representable UTC range") from None
