"""The RealtimeKit HTTP protocol, written once and free of any transport.

- :mod:`.endpoints`: what each call is (method, path, query), from validated ids;
- :mod:`.responses`: envelopes, errors and ``Retry-After``;
- :mod:`.excerpts`, :mod:`.not_found`: what a failed answer said, and what a 404 means route by route;
- :mod:`.rate_limits`: the ``Ratelimit`` headers and the configured budget;
- :mod:`.timestamps`: reading the API's timestamps strictly;
- :mod:`.retry`: the retry policy and the loop both transports drive;
- :mod:`.paging`: walking paged lists;
- :mod:`.ids`: the check every id passes before it goes into a path;
- :mod:`.settings`: reading a ``realtimekit`` connection.

Names are imported on first use (module ``__getattr__``): the protocol is needed when a task runs, not
when a DAG file is parsed, and a module that needs one part (``ids``) does not load the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_realtimekit._lazy import lazy_exports

if TYPE_CHECKING:
    from airflow_provider_realtimekit.api.endpoints import ApiRequest, RealtimeKitApp, user_token_verify
    from airflow_provider_realtimekit.api.paging import Pager
    from airflow_provider_realtimekit.api.responses import ApiResponse, parse_response, unwrap
    from airflow_provider_realtimekit.api.retry import RetryPolicy, run_async, run_sync
    from airflow_provider_realtimekit.api.settings import ClientOverrides, ClientSettings

#: Where each public name lives, relative to this package.
_HOMES = {
    "ApiRequest": ".endpoints",
    "RealtimeKitApp": ".endpoints",
    "user_token_verify": ".endpoints",
    "Pager": ".paging",
    "ApiResponse": ".responses",
    "parse_response": ".responses",
    "unwrap": ".responses",
    "RetryPolicy": ".retry",
    "run_async": ".retry",
    "run_sync": ".retry",
    "ClientOverrides": ".settings",
    "ClientSettings": ".settings",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())


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
