"""Strict reading of the API's timestamps (issue #12.3)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_realtimekit.api.timestamps import optional_api_time, parse_api_time
from airflow_provider_realtimekit.exceptions import RealtimeKitInvalidResponseError

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-07-15T07:08:40.742Z", datetime(2023, 7, 15, 7, 8, 40, 742000, tzinfo=UTC)),
        ("2023-07-15T07:08:39.000Z", datetime(2023, 7, 15, 7, 8, 39, tzinfo=UTC)),
        ("2023-07-15T07:08:39Z", datetime(2023, 7, 15, 7, 8, 39, tzinfo=UTC)),
        ("2023-07-15T07:08:39.123456789Z", datetime(2023, 7, 15, 7, 8, 39, 123456, tzinfo=UTC)),
        ("2023-07-15T09:08:39.5+02:00", datetime(2023, 7, 15, 7, 8, 39, 500000, tzinfo=UTC)),
        ("2023-07-15T02:08:39-0500", datetime(2023, 7, 15, 7, 8, 39, tzinfo=UTC)),
        ("2023-07-15T07:08:39", datetime(2023, 7, 15, 7, 8, 39, tzinfo=UTC)),
    ],
)
def test_the_api_forms_parse_to_aware_utc(text, expected):
    parsed = parse_api_time("stopped_time", text)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "stopped_time",
        "not-a-date",
        "2023-07-15",
        "2023-13-15T07:08:39Z",
        "2023-07-15T25:00:00Z",
        "1689404920",
        1689404920,
        True,
        [],
        {},
    ],
)
def test_anything_else_is_an_invalid_response_naming_field_and_value(value):
    with pytest.raises(RealtimeKitInvalidResponseError) as raised:
        parse_api_time("stopped_time", value, where="livestream session 's1'")

    message = str(raised.value)
    assert f"stopped_time={value!r}" in message
    assert "livestream session 's1'" in message
    assert raised.value.transient is False


@pytest.mark.parametrize("value", [None, "", "  ", "null", "None"])
def test_unset_values_are_none(value):
    assert optional_api_time("stopped_time", value) is None


def test_optional_time_still_refuses_garbage():
    with pytest.raises(RealtimeKitInvalidResponseError, match="not-a-date"):
        optional_api_time("stopped_time", "not-a-date")
