"""Handlers of the account-level routes: the RealtimeKit apps list and Cloudflare token verification."""

from __future__ import annotations

from typing import Any

from airflow_provider_realtimekit.testing.clock import format_timestamp
from airflow_provider_realtimekit.testing.envelopes import Reply, cloudflare_success, realtimekit_paged
from airflow_provider_realtimekit.testing.handlers.context import HandlerContext
from airflow_provider_realtimekit.testing.paging import Page, PageRequest
from airflow_provider_realtimekit.testing.request import IncomingRequest

DAY_SECONDS = 86400


def apps(ctx: HandlerContext, request: IncomingRequest) -> Reply:
    """``GET /accounts/{account_id}/realtime/kit/apps``: the one served app, paged."""
    wanted = PageRequest.from_query(request.query, ctx.variants)
    identity = ctx.identity
    app = {"id": identity.app_id, "created_at": format_timestamp(identity.created), "name": identity.name}
    page = Page.of([app], wanted)
    data: list[Any] | dict[str, Any] = page.items
    if ctx.variants.list_shape == "object":
        data = {"apps": page.items}
    return Reply.json(200, realtimekit_paged(data, page.paging(), ctx.variants))


def token_verify(ctx: HandlerContext, request: IncomingRequest) -> Reply:
    """``GET .../tokens/verify``: the token's id and status in the Cloudflare envelope."""
    result: dict[str, Any] = {"id": ctx.tokens.token_id, "status": ctx.tokens.status}
    messages: list[dict[str, Any]] = []
    if ctx.tokens.status == "active":
        messages.append({"code": 10000, "message": "This API Token is valid and active"})
    if ctx.tokens.status == "expired":
        result["expires_on"] = format_timestamp(request.arrived - DAY_SECONDS)
    return cloudflare_success(result, messages)
