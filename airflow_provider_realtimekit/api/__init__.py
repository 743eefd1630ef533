"""The RealtimeKit HTTP protocol, written once and free of any transport.

- :mod:`.endpoints`: what each call is (method, path, query), from validated ids;
- :mod:`.responses`: envelopes, errors and ``Retry-After``;
- :mod:`.retry`: the retry policy and the loop both transports drive;
- :mod:`.paging`: walking paged lists;
- :mod:`.settings`: reading a ``realtimekit`` connection.
"""

from __future__ import annotations

from airflow_provider_realtimekit.api.endpoints import ApiRequest, RealtimeKitApp, user_token_verify
from airflow_provider_realtimekit.api.paging import Pager
from airflow_provider_realtimekit.api.responses import ApiResponse, parse_response, unwrap
from airflow_provider_realtimekit.api.retry import RetryPolicy, run_async, run_sync
from airflow_provider_realtimekit.api.settings import ClientOverrides, ClientSettings

__all__ = [
    "ApiRequest",
    "ApiResponse",
    "ClientOverrides",
    "ClientSettings",
    "Pager",
    "RealtimeKitApp",
    "RetryPolicy",
    "parse_response",
    "run_async",
    "run_sync",
    "unwrap",
    "user_token_verify",
]
