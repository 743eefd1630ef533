"""validate_id: what may go into a URL path."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.api.ids import MAX_ID_LENGTH, validate_id
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError


@pytest.mark.parametrize(
    "value",
    ["s1", "0123456789abcdef0123456789abcdef", "7e3c1f2a-9b1d-4c8e-a5f0-2d6b8e4c1a90", "a.b", "a_b-c~d", "x" * 128],
)
def test_ordinary_ids_are_accepted_unchanged(value):
    assert validate_id("session_id", value) == value


def test_non_ascii_id_is_percent_encoded():
    assert validate_id("session_id", "café") == "caf%C3%A9"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "must be a string"),
        (42, "must be a string"),
        (b"s1", "must be a string"),
        ("", "is empty"),
        ("   ", "is empty"),
        ("\t\n", "is empty"),
        ("x" * (MAX_ID_LENGTH + 1), "129 characters"),
        ("../x", "'/'"),
        ("a/b", "'/'"),
        ("%2e%2e", "'%'"),
        ("?x=1", "'?'"),
        ("#", "'#'"),
        ("a\\b", "'\\\\'"),
        ("a b", "' '"),
        ("s1\n", "'\\n'"),
        ("s1\x00", "'\\x00'"),
        ("s1\x7f", "'\\x7f'"),
        ("..", "'..'"),
        ("a..b", "'..'"),
        (".", "'.'"),
    ],
    ids=repr,
)
def test_dangerous_ids_are_refused_with_a_message_naming_the_field(value, fragment):
    with pytest.raises(RealtimeKitConfigError) as raised:
        validate_id("livestream_id", value)

    assert "livestream_id" in str(raised.value)
    assert fragment in str(raised.value)
