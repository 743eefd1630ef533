"""One gate per token, through both hooks against the emulator: a 429 holds every request of that token and
none of another token's; lockouts are sat out; pacing is even; usage pulls slow down instead of tripping."""

from __future__ import annotations

import asyncio
import json
import threading

import pendulum
import pytest
import requests

from airflow_provider_realtimekit.api.rate_limits import BudgetLimits
from airflow_provider_realtimekit.exceptions import RealtimeKitAuthError, RealtimeKitRateLimitError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from airflow_provider_realtimekit.operators.usage import UsageWindow, pull_livestream_usage
from airflow_provider_realtimekit.testing import RateLimitPolicy, RealtimeKitEmulator
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
from airflow_provider_realtimekit.waits import token_gates
from airflow_provider_realtimekit.waits.token_gates import GateKey, gate_for
from tests.conftest import TOKEN

OTHER_CONN = "realtimekit_other_token"


@pytest.fixture
def other_token_conn(emulator: RealtimeKitEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """A connection to the same emulator with another token (the emulator refuses it with 401: it was sent)."""
    connection = emulator.connection()
    connection["password"] = "rtk-another-token-Hy7mQ2"
    monkeypatch.setenv(f"AIRFLOW_CONN_{OTHER_CONN.upper()}", json.dumps(connection))
    return OTHER_CONN


def refusals(emulator: RealtimeKitEmulator) -> int:
    return sum(record.status == 429 for record in emulator.requests)


def lock_out(emulator: RealtimeKitEmulator, seconds: float) -> None:
    """Spend the token's quota of 5 per 10 s elsewhere (another tool): the next request meets a lockout."""
    emulator.set_rate_limit(5, window=10, lockout=True, lockout_seconds=seconds)
    for _ in range(5):
        answer = requests.get(
            f"{emulator.app_url}/livestreams", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        )
        assert answer.status_code == 200


def test_a_429_holds_every_request_of_the_token_and_none_of_another_tokens(
    emulator, realtimekit_conn, other_token_conn
):
    lock_out(emulator, seconds=120)
    with pytest.raises(RealtimeKitRateLimitError):
        RealtimeKitHook(realtimekit_conn).get_livestream_session("s1")  # meets the 429: the breaker opens
    sent = len(emulator.requests)

    with pytest.raises(RealtimeKitRateLimitError) as held:
        RealtimeKitHook(realtimekit_conn).get_livestream_session("s2")  # another hook, same token
    with pytest.raises(RealtimeKitAuthError):
        RealtimeKitHook(other_token_conn).get_livestream_session("s3")  # another token: sent, and refused

    assert len(emulator.requests) == sent + 1  # only the other token's request reached the server
    assert emulator.requests[-1].auth_ok is False
    assert "held for another" in str(held.value)
    assert 100 < held.value.retry_after <= 300  # Cloudflare's 5-minute block: no retry-after from a lockout?
    assert TOKEN not in str(held.value)


async def test_async_hooks_share_the_breaker_and_other_tokens_pass(emulator, realtimekit_conn, other_token_conn):
    lock_out(emulator, seconds=120)
    async with RealtimeKitAsyncHook(realtimekit_conn) as first, RealtimeKitAsyncHook(realtimekit_conn) as second:
        with pytest.raises(RealtimeKitRateLimitError):
            await first.get_livestream_session("s1")
        sent = len(emulator.requests)
        with pytest.raises(RealtimeKitRateLimitError):
            await second.get_livestream_session("s2")
    async with RealtimeKitAsyncHook(other_token_conn) as other:
        with pytest.raises(RealtimeKitAuthError):
            await other.get_livestream_session("s3")

    assert len(emulator.requests) == sent + 1


def test_sync_and_async_callers_of_one_token_share_one_gate(emulator, realtimekit_conn):
    lock_out(emulator, seconds=120)
    with pytest.raises(RealtimeKitRateLimitError):
        RealtimeKitHook(realtimekit_conn).get_livestream_session("s1")
    sent = len(emulator.requests)

    async def poll() -> None:
        async with RealtimeKitAsyncHook(realtimekit_conn) as hook:
            await hook.get_livestream_session("s2")

    with pytest.raises(RealtimeKitRateLimitError):
        asyncio.run(poll())
    assert len(emulator.requests) == sent


@pytest.mark.paced_gates
def test_a_lockout_within_the_cap_is_sat_out_before_the_next_request(emulator, realtimekit_conn_with):
    conn_id = realtimekit_conn_with(retry_after_cap=5)
    livestream = emulator.add_livestream()
    session = emulator.add_session(livestream["id"])
    lock_out(emulator, seconds=2)

    assert RealtimeKitHook(conn_id).get_livestream_session(session["id"])["id"] == session["id"]

    records = emulator.requests
    refused = [r for r in records if r.status == 429]
    assert len(refused) == 1
    after = records[records.index(refused[0]) + 1]
    assert after.status == 200 and after.time - refused[0].time >= 2.0  # nothing in between, none too early


@pytest.mark.paced_gates
def test_threads_on_one_token_are_spread_evenly(emulator, realtimekit_conn_with):
    # 20 per 2 s, 2 reserved: one request per 1/9 s.
    emulator.set_rate_limit(None)  # no headers: the configured budget alone paces
    conn_id = realtimekit_conn_with(rate_limit_quota=20, rate_limit_window=2)
    livestream = emulator.add_livestream()["id"]

    def call() -> None:
        RealtimeKitHook(conn_id).get_livestream(livestream)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # When each request left the gate (arrival times at the server would add the machine's scheduling jitter).
    settings = RealtimeKitHook(conn_id).settings
    times = token_gates.token_gate(settings).budget.recent_sends
    assert len(times) == len(emulator.requests) == 8
    # Never a burst: each request's slot is one interval (2 s / 18 affordable) after the one before. A thread
    # that wakes late sends late, so single gaps may shrink, but the eight span at least seven intervals.
    assert times[-1] - times[0] >= 7 * 2 / 18 - 1e-6


@pytest.mark.paced_gates
@pytest.mark.parametrize("headers", [True, False], ids=["with-ratelimit-headers", "headerless"])
def test_a_usage_pull_of_more_pages_than_the_quota_slows_down_instead_of_tripping_the_lockout(
    tmp_path, monkeypatch, headers
):
    # 40 pages of sessions and one of livestreams against 30 requests per 3 s with Cloudflare's lockout.
    limit = RateLimitPolicy(30, 3, lockout=True, lockout_seconds=60, send_headers=headers)
    emulator = RealtimeKitEmulator(token=TOKEN, port=0, rate_limit=limit).start()
    try:
        emulator.seed(n_livestreams=1, sessions_each=4000, start="2026-03-01T00:00:00Z", end="2026-03-01T23:00:00Z")
        connection = emulator.connection()
        connection["extra"].update(rate_limit_quota=30, rate_limit_window=3)
        monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", json.dumps(connection))
        window = UsageWindow(pendulum.datetime(2026, 3, 1, tz="UTC"), pendulum.datetime(2026, 3, 2, tz="UTC"))

        summary = pull_livestream_usage(RealtimeKitHook(), window, str(tmp_path / "usage.jsonl"))

        assert summary["api_requests"] > 30
        assert refusals(emulator) == 0
    finally:
        emulator.stop()


def test_gate_keys_hold_a_digest_never_the_token():
    gate = gate_for("http://127.0.0.1:1/client/v4", "acct", TOKEN, BudgetLimits())

    assert TOKEN not in repr(gate) and TOKEN not in repr(gate.key)
    assert gate.key == GateKey.of("http://127.0.0.1:1/client/v4", "acct", TOKEN)
    assert gate_for("http://127.0.0.1:1/client/v4", "acct", TOKEN, BudgetLimits()) is gate
    assert gate_for("http://127.0.0.1:1/client/v4", "acct", TOKEN + "x", BudgetLimits()) is not gate
    token_gates.reset_gates()
    assert gate_for("http://127.0.0.1:1/client/v4", "acct", TOKEN, BudgetLimits()) is not gate


def test_the_429_message_names_the_quota_the_emulator_served(emulator, realtimekit_conn):
    emulator.set_rate_limit(120, window=300)
    for _ in range(120):
        requests.get(f"{emulator.app_url}/livestreams", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    with pytest.raises(RealtimeKitRateLimitError) as raised:
        RealtimeKitHook(realtimekit_conn).get_livestream_session("s1")

    assert "its limit of 120 requests per 5 minutes" in str(raised.value)


@pytest.mark.paced_gates
def test_a_caller_meeting_an_open_breaker_waits_for_it_instead_of_sending(emulator, realtimekit_conn):
    livestream = emulator.add_livestream()
    session = emulator.add_session(livestream["id"])
    lock_out(emulator, seconds=2)
    with pytest.raises(RealtimeKitRateLimitError):  # a 2 s block is beyond this caller's cap: it gives up
        RealtimeKitHook(realtimekit_conn, retry_after_cap=0.5).get_livestream_session(session["id"])
    refused = emulator.requests[-1]

    # Another caller of the token, willing to wait 5 s, sits the rest of the block out before sending.
    assert RealtimeKitHook(realtimekit_conn, retry_after_cap=5).get_livestream_session(session["id"])

    after = emulator.requests[emulator.requests.index(refused) + 1 :]
    assert [record.status for record in after] == [200]
    assert after[0].time - refused.time >= 2.0


def test_the_emulator_can_leave_out_the_ratelimit_headers():
    quiet = RealtimeKitEmulator(token=TOKEN, port=0, rate_limit=RateLimitPolicy(5, 60, send_headers=False))
    with quiet:
        url = f"{quiet.app_url}/livestreams"
        answers = [requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5) for _ in range(6)]

    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert not any("Ratelimit" in answer.headers or "Ratelimit-Policy" in answer.headers for answer in answers)
    assert answers[-1].headers["retry-after"] == "60"  # a refusal still says when to come back


@pytest.mark.paced_gates
async def test_a_usage_pull_beside_running_waits_slows_down_and_locks_nobody_out(tmp_path, monkeypatch):
    # One process, one token: a usage pull of 21 pages in a worker thread while 6 deferred waits poll in the
    # event loop, against 30 requests per 3 s with Cloudflare's lockout. Both share the token's gate.
    limit = RateLimitPolicy(30, 3, lockout=True, lockout_seconds=60)
    with RealtimeKitEmulator(token=TOKEN, port=0, rate_limit=limit) as emulator:
        emulator.seed(n_livestreams=1, sessions_each=2000, start="2026-03-01T00:00:00Z", end="2026-03-01T23:00:00Z")
        waits = [emulator.add_session(emulator.add_livestream()["id"], stops_after=2.0 + n / 2) for n in range(6)]
        connection = emulator.connection()
        connection["extra"].update(rate_limit_quota=30, rate_limit_window=3)
        monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", json.dumps(connection))
        window = UsageWindow(pendulum.datetime(2026, 3, 1, tz="UTC"), pendulum.datetime(2026, 3, 2, tz="UTC"))

        async def wait_for(session_id: str) -> dict:
            events = RealtimeKitLivestreamSessionTrigger(session_id, poll_interval=0.5).run()
            try:
                return (await events.__anext__()).payload
            finally:
                await events.aclose()

        pull = asyncio.to_thread(pull_livestream_usage, RealtimeKitHook(), window, str(tmp_path / "usage.jsonl"))
        summary, *events = await asyncio.wait_for(
            asyncio.gather(pull, *(wait_for(session["id"]) for session in waits)), 120
        )

        assert summary["api_requests"] >= 21
        assert [event["status"] for event in events] == ["success"] * 6
        assert [record.status for record in emulator.requests].count(429) == 0
