"""What a 404 means, route by route, and the hint that goes with it.

A 404 has two different causes. Either the object the caller named (a session id, a livestream id) does
not exist, which RealtimeKit says in its own envelope; or the route itself is unknown, which Cloudflare's
gateway says with codes 7000/7003, and which any server says for a path it does not serve. For the
second, the likely culprit depends on what the path was built from: the token-verify route of a user
token contains no id at all, so only the base URL can be wrong (a host without ``/client/v4``); an
account route can only have a wrong account id; an app route a wrong account or app id.
"""

from __future__ import annotations

from collections.abc import Sequence

from airflow_provider_realtimekit.api.endpoints import ApiRequest
from airflow_provider_realtimekit.exceptions import RealtimeKitNotFoundError

#: Cloudflare gateway codes meaning "no such route", in practice a wrong id or base URL.
ROUTING_CODES = frozenset({7000, 7003})
API_PATH = "/client/v4"
_EXAMPLE_BASE_URL = "https://api.cloudflare.com/client/v4"


def not_found_error(
    request: ApiRequest, base_url: str, codes: Sequence[int | str], where: str
) -> RealtimeKitNotFoundError:
    """
    The :class:`RealtimeKitNotFoundError` for a 404 of ``request``, naming its most likely cause.

    :param request: the request that got the 404.
    :param base_url: the API base URL it was sent to ("" when unknown).
    :param codes: the error codes of the answer.
    :param where: the request and what the API said, for the message.
    """
    routing = bool(ROUTING_CODES.intersection(code for code in codes if isinstance(code, int)))
    if request.names_object and not routing:
        return RealtimeKitNotFoundError(
            f"RealtimeKit has no {request.what} ({where}). Check the id and that it belongs to the connection's app."
        )
    return RealtimeKitNotFoundError(f"No such route: {where}. {route_hint(request, base_url)}")


def route_hint(request: ApiRequest, base_url: str) -> str:
    """
    The likely cause of an unknown route, from the connection fields its path was built from.

    :param request: the request whose route is unknown.
    :param base_url: the API base URL it was sent to ("" when unknown).
    """
    shown = f" ({base_url})" if base_url else ""
    if not request.route_ids:
        return (
            f"This route is built from no id, so the base URL is what is wrong: the connection's host{shown} "
            f"must be the API base URL, ending in {API_PATH} (e.g. {_EXAMPLE_BASE_URL})."
        )
    ids = " or ".join(request.route_ids)
    copy = "Copy it" if len(request.route_ids) == 1 else "Copy both"
    if not base_url or base_url.rstrip("/").endswith(API_PATH):
        return (
            f"The connection's {ids} is probably wrong. {copy} from the Cloudflare dashboard "
            f"(Realtime > RealtimeKit). If that is right, check that the connection's host{shown} is the API "
            f"base URL (e.g. {_EXAMPLE_BASE_URL})."
        )
    return (
        f"The connection's host{shown} is probably not the API base URL: it must end in {API_PATH} "
        f"(e.g. {_EXAMPLE_BASE_URL}). If it does, check the connection's {ids}."
    )
