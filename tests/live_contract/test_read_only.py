"""The suite cannot write: anything but GET is refused before it is sent, on its own session, the hook's, and
the async hook's httpx client."""

from __future__ import annotations

import httpx
import pytest
import requests

from airflow_provider_realtimekit.api import ApiRequest
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from scripts.live_contract.transport import (
    BudgetExceededError,
    RequestBudget,
    WriteRefusedError,
    make_read_only,
    read_only_event_hooks,
)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_a_read_only_session_refuses_every_other_method_before_sending(emulator, method):
    session = make_read_only(requests.Session(), RequestBudget())

    with pytest.raises(WriteRefusedError, match=f"read-only: refused {method} "):
        session.request(method, f"{emulator.app_url}/livestreams")

    assert emulator.requests == []


def test_a_read_only_session_sends_gets(emulator):
    budget = RequestBudget()
    session = make_read_only(requests.Session(), budget)

    assert session.get(f"{emulator.app_url}/livestreams").status_code == 401  # no token here, but it was sent
    assert [record.method for record in emulator.requests] == ["GET"]
    assert budget.sent == [f"GET /client/v4/accounts/{emulator.account_id}/realtime/kit/{emulator.app_id}/livestreams"]


def test_the_hooks_session_refuses_a_write_without_retrying_it(emulator, realtimekit_conn):
    hook = RealtimeKitHook(realtimekit_conn)
    make_read_only(hook.get_conn(), RequestBudget())
    livestream = emulator.add_livestream()

    with pytest.raises(WriteRefusedError):
        hook.call(ApiRequest("POST", f"/accounts/{emulator.account_id}/realtime/kit/{emulator.app_id}/livestreams"))

    assert emulator.requests == []
    assert hook.get_livestream(livestream["id"])["livestream"]["id"] == livestream["id"]  # reads still work
    hook.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_the_async_hooks_client_refuses_every_other_method_before_sending(emulator, method):
    budget = RequestBudget()
    async with httpx.AsyncClient(event_hooks=read_only_event_hooks(budget)) as client:
        with pytest.raises(WriteRefusedError, match=f"read-only: refused {method} "):
            await client.request(method, f"{emulator.app_url}/livestreams")
        await client.get(f"{emulator.app_url}/livestreams")

    assert [record.method for record in emulator.requests] == ["GET"]
    assert len(budget.sent) == 1


def test_the_budget_stops_a_run_that_asks_for_too_much(emulator):
    budget = RequestBudget(limit=2)
    session = make_read_only(requests.Session(), budget)
    session.get(emulator.base_url)
    session.get(emulator.base_url)

    with pytest.raises(BudgetExceededError, match="stops at 2 requests"):
        session.get(emulator.base_url)

    assert len(emulator.requests) == 2
