"""The token and every stream key stay out of what the suite prints and writes, even when the API echoes them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_provider_realtimekit.testing import Fault
from scripts.live_contract.redaction import MASK, Redactor
from scripts.live_contract.shapes import shape_of
from tests.conftest import TOKEN
from tests.live_contract.conftest import run_command

#: Looks like a credential, is no known secret: the credential-shaped net must catch it.
BEARER_LIKE = "Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc"


@pytest.fixture
def planted(emulator) -> list[str]:
    """An app whose answers carry the token (as a name), a bearer credential (as an error) and stream keys;
    returns the secrets that must never be shown."""
    now = emulator.now()
    echoed = emulator.add_livestream(name=TOKEN)
    emulator.add_session(
        echoed["id"], started=now - timedelta(hours=3), stopped=now - timedelta(hours=2), err_message=BEARER_LIKE
    )
    live = emulator.add_livestream(name="studio-live")
    emulator.add_session(live["id"])
    keys = [emulator.livestream(item["id"])["stream_key"] for item in (echoed, live)]
    assert all(len(key) >= 16 for key in keys)
    return [TOKEN, BEARER_LIKE.split()[1], *keys]


def test_no_secret_reaches_stdout_or_the_report(planted, run_suite):
    run = run_suite()

    assert run.exit_status == 0
    for secret in planted:
        assert secret not in run.stdout + run.stderr
        assert secret not in run.report_text


def test_no_secret_reaches_the_output_of_the_command(planted, live_env, tmp_path):
    done = run_command(live_env, tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    report = (tmp_path / "report.json").read_text()
    for secret in planted:
        assert secret not in done.stdout + done.stderr
        assert secret not in report
    assert "20 checks" in done.stdout


def test_no_secret_reaches_the_output_when_checks_fail(planted, run_suite, emulator):
    emulator.inject_fault("livestream_session", Fault.status(403))
    emulator.inject_fault("analytics_overall", Fault.status(500, envelope="cloudflare"))

    run = run_suite()

    assert run.exit_status == 1
    assert run.outcome("L5 session") == "FAIL"
    assert run.outcome("A1 analytics overall") == "FAIL"
    for secret in planted:
        assert secret not in run.stdout + run.stderr + run.report_text


def test_values_under_secret_keys_are_harvested_and_masked_everywhere():
    redactor = Redactor(["the-api-token-123"])
    redactor.harvest(
        {"data": [{"stream_key": "key-aaaa-bbbb", "rtmps": {"url": "rtmps://x/live/", "key": "k-0123456"}}]}
    )

    text = redactor.scrub("token the-api-token-123, key key-aaaa-bbbb, rtmps k-0123456 at rtmps://x/live/")

    assert text == f"token {MASK}, key {MASK}, rtmps {MASK} at {MASK}"


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abcdefgh12345678",
        '{"token": "abcdefgh12345678"}',
        "stream_key=abcdefgh12345678",
        "password: abcdefgh12345678",
    ],
)
def test_credential_shaped_text_is_masked(text):
    assert "abcdefgh12345678" not in Redactor().scrub(text)


def test_plain_words_after_token_are_kept():
    assert Redactor().scrub("the token is active (verified on the account endpoint)") == (
        "the token is active (verified on the account endpoint)"
    )


def test_shapes_name_types_and_formats_never_values():
    shape = shape_of(
        {
            "id": "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
            "stream_key": "f0e1d2c3b4a5968778695a4b3c2d1e0f",
            "started_time": "2026-12-06T10:00:00.000Z",
            "viewer_seconds": 116.1,
            "ingest_seconds": 60,
            "disabled": "false",
            "stopped_time": None,
            "sessions": [{"viewer_seconds": 1}, {"viewer_seconds": 2.5}],
        }
    )

    assert shape == {
        "id": "string(uuid)",
        "stream_key": "string(secret)",
        "started_time": "string(iso-datetime-ms-z)",
        "viewer_seconds": "number",
        "ingest_seconds": "integer",
        "disabled": "string(boolean)",
        "stopped_time": "null",
        "sessions": [{"viewer_seconds": "integer|number"}],
    }
