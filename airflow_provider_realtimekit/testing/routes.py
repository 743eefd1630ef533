"""The emulated endpoints: names (used by faults and the request log) and URL patterns.

Paths are under ``/client/v4``; ``A`` is ``/accounts/{account_id}/realtime/kit/{app_id}``.

=============================  ===========================================================
route name                     endpoint
=============================  ===========================================================
``livestream_session``         L5 ``GET A/livestreams/sessions/{livestream_session_id}``
``active_livestream_session``  L4 ``GET A/livestreams/{livestream_id}/active-livestream-session``
``livestream``                 L3 ``GET A/livestreams/{livestream_id}``
``livestreams``                L1 ``GET A/livestreams``
``analytics_overall``          A1 ``GET A/analytics/livestreams/overall``
``analytics_daywise``          A2 ``GET A/analytics/livestreams/daywise``
``apps``                       ``GET /accounts/{account_id}/realtime/kit/apps``
``token_verify``               ``GET /accounts/{account_id}/tokens/verify`` and ``GET /user/tokens/verify``
=============================  ===========================================================

The control API (:mod:`.control`) lives under ``/_emulator``, outside ``/client/v4``, so it can never
shadow a Cloudflare route; its paths have no route name and never reach the request log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

API_PREFIX = "/client/v4"
UNKNOWN_ROUTE = "unknown"
ANY_ROUTE = "*"

_ACCOUNT = r"/client/v4/accounts/(?P<account_id>[^/]+)"
_APP = _ACCOUNT + r"/realtime/kit/(?P<app_id>[^/]+)"


@dataclass(frozen=True)
class Route:
    """One endpoint.

    :param name: the route name.
    :param pattern: full-path regex with named groups for the path parameters.
    """

    name: str
    pattern: re.Pattern[str]


ROUTES: tuple[Route, ...] = (
    # The seed endpoint comes before L3 so that "sessions" is never read as a livestream id.
    Route("livestream_session", re.compile(_APP + r"/livestreams/sessions/(?P<session_id>[^/]+)")),
    Route(
        "active_livestream_session",
        re.compile(_APP + r"/livestreams/(?P<livestream_id>[^/]+)/active-livestream-session"),
    ),
    Route("livestream", re.compile(_APP + r"/livestreams/(?P<livestream_id>[^/]+)")),
    Route("livestreams", re.compile(_APP + r"/livestreams")),
    Route("analytics_overall", re.compile(_APP + r"/analytics/livestreams/overall")),
    Route("analytics_daywise", re.compile(_APP + r"/analytics/livestreams/daywise")),
    Route("apps", re.compile(_ACCOUNT + r"/realtime/kit/apps")),
    Route("token_verify", re.compile(_ACCOUNT + r"/tokens/verify")),
    Route("token_verify", re.compile(r"/client/v4/user/tokens/verify")),
)

ROUTE_NAMES: frozenset[str] = frozenset(route.name for route in ROUTES)


def match_route(path: str) -> tuple[Route, dict[str, str]] | None:
    """Find the route of a path; return it with its path parameters, or None.

    :param path: the URL path (no query string).
    """
    for route in ROUTES:
        found = route.pattern.fullmatch(path)
        if found is not None:
            return route, found.groupdict()
    return None
