"""One snapshot of the app's live livestreams, from one paged listing (``GET .../livestreams?status=LIVE``).

The shared poller reads it to answer many waits at once. Only what the poller needs is kept: for each
livestream that some wait is watching and that the listing shows ``LIVE``, its ``updated_at``. Items are
checked for ``status == "LIVE"`` here as well, so a server that ignores the status filter [U] costs pages,
not a wrong answer. A livestream missing from the snapshot is treated as "maybe stopped" by the poller (it
fetches the session), so an item lost between pages (the list shifts while it is walked) costs one request.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airflow_provider_realtimekit.api import ApiRequest, Pager, RealtimeKitApp

#: Items per listing page. The API documents no maximum [U]; 100 is the largest size known to be served
#: (the emulator's clamp, and the provider's default). A server that clamps lower costs more pages.
LISTING_PER_PAGE = 100


@dataclass
class LiveSnapshot:
    """
    What one walk of the listing said.

    :param seq: the poller's sequence number when the walk began: newer than every observation made before.
    :param updated_at: watched livestream id -> its ``updated_at`` (epoch seconds, None when unreadable),
        for the livestreams shown LIVE.
    :param pages: how many pages the walk took.
    """

    seq: int
    updated_at: dict[str, float | None] = field(default_factory=dict)
    pages: int = 0


async def walk_live_listing(
    seq: int,
    app: RealtimeKitApp,
    watched: Collection[str],
    send: Callable[[ApiRequest], Awaitable[dict[str, Any]]],
) -> LiveSnapshot:
    """
    Walk every page of the app's LIVE livestreams; keep the watched ones.

    :param seq: the sequence number to stamp on the snapshot.
    :param app: builds the requests.
    :param watched: the livestream ids some wait is watching (read once per page: waits come and go).
    :param send: sends one request (paced, with the retry policy) and returns the decoded body.
    """
    snapshot = LiveSnapshot(seq)
    pager = Pager(
        lambda page_no: app.livestreams(page_no=page_no, per_page=LISTING_PER_PAGE, status="LIVE"),
        ("livestreams", "data", "livestream"),
    )
    while (request := pager.next_request()) is not None:
        for item in pager.accept(await send(request)):
            livestream_id = item.get("id")
            if isinstance(livestream_id, str) and livestream_id in watched and item.get("status") == "LIVE":
                # Interned, as the poller interns its waits' ids: each walk's keys are then the waits' own
                # strings, not one more copy of every id per wait.
                snapshot.updated_at[sys.intern(livestream_id)] = parse_instant(item.get("updated_at"))
    snapshot.pages = pager.pages_fetched
    return snapshot


def parse_instant(value: object) -> float | None:
    """
    An API timestamp (``2023-07-15T07:08:39.000Z``) as epoch seconds; None when absent or unreadable.

    :param value: the field's value.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo is not None else None
