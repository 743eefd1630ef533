"""Under Airflow's Test button, messages name the field and the connection type, not the random id (#15.4)."""

from __future__ import annotations

import json

import pytest

from airflow_provider_realtimekit.api.connection_names import describe_connection, is_made_up_by_test_button
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from tests.conftest import TOKEN
from tests.hooks.conftest import ACCOUNT_ID


def press_test_button(monkeypatch, host: str, **fields) -> tuple[bool, str, str]:
    """What POST /connections/test does (Airflow 3.1-3.3): a random 8-character id, an env var, test_connection()."""
    from airflow.models import Connection
    from airflow.utils.strings import get_random_string

    transient_id = get_random_string()
    conn = Connection(conn_id=transient_id, conn_type="realtimekit", host=host, **fields)
    monkeypatch.setenv(f"AIRFLOW_CONN_{transient_id.upper()}", conn.get_uri())
    ok, message = conn.test_connection()
    return ok, message, transient_id


def test_missing_app_id_names_the_field_and_the_connection_type_not_the_random_id(httpserver, monkeypatch):
    ok, message, transient_id = press_test_button(
        monkeypatch, httpserver.url_for("/client/v4"), password=TOKEN, extra=json.dumps({"account_id": ACCOUNT_ID})
    )

    assert ok is False
    assert transient_id not in message
    assert message.startswith("The Cloudflare RealtimeKit connection being tested has no app_id")
    assert "'App ID' field" in message
    assert httpserver.log == []


def test_missing_token_names_the_api_token_field(httpserver, monkeypatch):
    ok, message, transient_id = press_test_button(
        monkeypatch, httpserver.url_for("/client/v4"), extra=json.dumps({"account_id": ACCOUNT_ID, "app_id": "a1"})
    )

    assert ok is False
    assert transient_id not in message
    assert "connection being tested has no API token" in message and "'API token' field" in message


def test_bad_host_is_described_without_the_random_id(monkeypatch):
    ok, message, transient_id = press_test_button(
        monkeypatch, "ftp://example.com", password=TOKEN, extra=json.dumps({"account_id": ACCOUNT_ID, "app_id": "a1"})
    )

    assert ok is False
    assert transient_id not in message
    assert "host) of the Cloudflare RealtimeKit connection being tested" in message


def test_a_named_connection_is_still_named_in_test_connection(make_conn):
    conn_id = make_conn("rtk_named", extra={"account_id": ACCOUNT_ID})

    ok, message = RealtimeKitHook(conn_id).test_connection()

    assert ok is False
    assert message.startswith("Connection 'rtk_named' has no app_id")


def test_an_id_of_that_form_is_named_outside_test_connection(make_conn):
    conn_id = make_conn("UxuTQiXI", extra={"account_id": ACCOUNT_ID})

    with pytest.raises(RealtimeKitConfigError, match="Connection 'UxuTQiXI' has no app_id"):
        RealtimeKitHook(conn_id).get_livestream_session("s1")


@pytest.mark.parametrize(
    ("conn_id", "defined", "made_up"),
    [("UxuTQiXI", True, True), ("UxuTQiXI", False, False), ("rtk_default", True, False), ("abc", True, False)],
)
def test_made_up_ids_have_eight_letters_or_digits_and_an_env_var(monkeypatch, conn_id, defined, made_up):
    monkeypatch.delenv(f"AIRFLOW_CONN_{conn_id.upper()}", raising=False)
    if defined:
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", "realtimekit://")

    assert is_made_up_by_test_button(conn_id) is made_up
    assert ("being tested" in describe_connection(conn_id, testing=True)) is made_up
    assert describe_connection(conn_id) == f"connection {conn_id!r}"


def test_a_rate_limited_test_names_the_connection_being_tested_not_the_random_id(emulator, monkeypatch):
    # A token locked out by Cloudflare: the Test button's answer is about the lockout, not about an id.
    emulator.set_rate_limit(1, window=300, lockout=True, lockout_seconds=300)
    extra = json.dumps({"account_id": emulator.account_id, "app_id": emulator.app_id})

    answers = [press_test_button(monkeypatch, emulator.base_url, password=TOKEN, extra=extra) for _ in range(3)]

    failures = [(message, transient_id) for ok, message, transient_id in answers if not ok]
    assert failures, "the emulator's quota of 1 should have refused a test"
    for message, transient_id in failures:
        assert transient_id not in message
        assert "rate" in message.lower() or "429" in message
