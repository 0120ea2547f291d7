"""How the staff pages write times: one format with its time zone (list, detail, audit log)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format

# Django date-format characters: 2026-11-26 07:02 UTC (T is the active time zone's abbreviation).
STAFF_TIME_FORMAT = "Y-m-d H:i T"


def staff_time(value: datetime | float | None) -> str:
    """``value`` (an aware datetime, or epoch seconds) in ``STAFF_TIME_FORMAT`` in the active time zone;
    empty for no time."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, tz=timezone.get_current_timezone())
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return date_format(timezone.localtime(value), STAFF_TIME_FORMAT)
