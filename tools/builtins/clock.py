"""The current date and time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from ..function import tool


@tool(name="datetime", idempotent=True)
def current_datetime(timezone: str = "UTC") -> str:
    """Return the current date and time (ISO 8601) and the weekday.

    Args:
        timezone: IANA time zone name such as "UTC", "Europe/Paris" or "America/New_York".
    """
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {timezone!r}; use an IANA name such as 'Europe/Paris'"
        ) from None
    now = dt.datetime.now(zone)
    return f"{now.isoformat(timespec='seconds')} ({now.strftime('%A')}, {timezone})"
