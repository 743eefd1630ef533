"""Route handlers of the emulated API, one module per resource, and the table mapping route names to them.

Each handler takes the :class:`HandlerContext` and the request and returns a :class:`~..envelopes.Reply`;
an :class:`~..query.InvalidQuery` it raises becomes the API's error answer in :mod:`..app`.
"""

from __future__ import annotations

from airflow_provider_realtimekit.testing.handlers.account import apps, token_verify
from airflow_provider_realtimekit.testing.handlers.analytics import analytics_daywise, analytics_overall
from airflow_provider_realtimekit.testing.handlers.context import Handler, HandlerContext
from airflow_provider_realtimekit.testing.handlers.livestreams import (
    active_livestream_session,
    livestream,
    livestream_session,
    livestreams,
)

#: Route name (see :mod:`..routes`) to handler.
HANDLERS: dict[str, Handler] = {
    "livestream_session": livestream_session,
    "active_livestream_session": active_livestream_session,
    "livestream": livestream,
    "livestreams": livestreams,
    "analytics_overall": analytics_overall,
    "analytics_daywise": analytics_daywise,
    "apps": apps,
    "token_verify": token_verify,
}

__all__ = ["HANDLERS", "Handler", "HandlerContext"]
