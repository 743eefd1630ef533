"""A request that got no HTTP answer says what happened and what to check (issue #15.5), for both hooks."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.api.unreachable import host_and_port
from airflow_provider_realtimekit.exceptions import RealtimeKitTransportError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from airflow_provider_realtimekit.testing import Fault


def sync_error(conn_id: str) -> str:
    with pytest.raises(RealtimeKitTransportError) as raised:
        RealtimeKitHook(conn_id, max_attempts=1).get_livestream_session("s1")
    return str(raised.value)


async def async_error(conn_id: str) -> str:
    with pytest.raises(RealtimeKitTransportError) as raised:
        async with RealtimeKitAsyncHook(conn_id, max_attempts=1) as hook:
            await hook.get_livestream_session("s1")
    return str(raised.value)


def test_refused_connection_names_host_and_port_and_what_to_check(make_conn, closed_port):
    message = sync_error(make_conn(host=f"http://127.0.0.1:{closed_port}/client/v4"))

    assert f"connection refused by 127.0.0.1:{closed_port}" in message
    assert "server is running" in message and "connection's host" in message
    assert "ConnectionError" not in message


async def test_async_refused_connection_says_the_same(make_conn, closed_port):
    message = await async_error(make_conn(host=f"http://127.0.0.1:{closed_port}/client/v4"))

    assert f"connection refused by 127.0.0.1:{closed_port}" in message
    assert "ConnectError" not in message


@pytest.mark.parametrize(
    ("base_url", "shown"),
    [
        ("https://api.cloudflare.com/client/v4", "api.cloudflare.com:443"),
        ("http://localhost/client/v4", "localhost:80"),
        ("http://[::1]:8787/client/v4", "[::1]:8787"),
    ],
)
def test_host_and_port_fills_in_the_scheme_default(base_url, shown):
    assert host_and_port(base_url) == shown


@pytest.mark.parametrize("hook", ["sync", "async"])
async def test_unresolvable_host_says_check_the_spelling(make_conn, hook):
    conn_id = make_conn(host="https://no-such-host.invalid/client/v4")

    message = sync_error(conn_id) if hook == "sync" else await async_error(conn_id)

    assert "no-such-host.invalid:443 could not be resolved" in message
    assert "spelling" in message


@pytest.mark.parametrize("hook", ["sync", "async"])
async def test_dropped_connection_says_it_was_closed_without_an_answer(emulator, realtimekit_conn, hook):
    emulator.inject_fault("livestream_session", Fault.drop())

    message = sync_error(realtimekit_conn) if hook == "sync" else await async_error(realtimekit_conn)

    assert "closed the connection without an answer" in message
    assert emulator.base_url.split("//")[1].split("/")[0] in message
