"""A local, stateful Cloudflare RealtimeKit API for testing DAGs offline.

``RealtimeKitEmulator`` serves the livestream endpoints (L1, L3, L4, L5), livestream analytics (A1, A2),
the apps list and token verification on 127.0.0.1, with switchable response shapes, Cloudflare-style rate
limits and injectable faults; a control API under ``/_emulator`` drives it over HTTP. Importing this package
does not import Airflow, uvicorn or FastAPI. Run it standalone with ``realtimekit-emulator`` or
``python -m airflow_provider_realtimekit.testing``.
"""

from __future__ import annotations

from airflow_provider_realtimekit.testing.emulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_APP_ID,
    RealtimeKitEmulator,
)
from airflow_provider_realtimekit.testing.faults import Fault, FaultRule
from airflow_provider_realtimekit.testing.ratelimit import RateLimitPolicy
from airflow_provider_realtimekit.testing.requestlog import RequestCounts, RequestRecord
from airflow_provider_realtimekit.testing.routes import ROUTE_NAMES
from airflow_provider_realtimekit.testing.state import Polls
from airflow_provider_realtimekit.testing.variants import ShapeVariants

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_APP_ID",
    "ROUTE_NAMES",
    "Fault",
    "FaultRule",
    "Polls",
    "RateLimitPolicy",
    "RealtimeKitEmulator",
    "RequestCounts",
    "RequestRecord",
    "ShapeVariants",
]
