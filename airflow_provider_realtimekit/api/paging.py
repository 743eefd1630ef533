"""Walking paged lists, tolerant of every paging shape seen in the API's specs and examples.

Sends ``page_no`` from 1 and ``per_page``. Reads ``paging {total_count, start_offset, end_offset}`` from
the top level or from inside ``data`` [U which one is real], and items from ``data`` as a list or from
``data.<key>`` (a list, or a single object). Stops when the offsets reach the total, on an empty page,
or, with no paging at all, on an empty page only: never on a short page, since the server may clamp
``per_page`` [U its maximum]. Items already seen (by ``id``) are skipped, so a server that ignores
``page_no`` ends the walk instead of looping.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from airflow_provider_realtimekit.api.endpoints import ApiRequest
from airflow_provider_realtimekit.exceptions import RealtimeKitInvalidResponseError

#: A bound on pages per walk, far above any real app, so a misbehaving server cannot make a task spin.
MAX_PAGES = 100_000


class Pager:
    """
    The state of one walk through a paged list; the hooks call it in a loop::

        pager = Pager(lambda page_no: app.livestreams(page_no=page_no), item_keys=("livestreams",))
        while (request := pager.next_request()) is not None:
            yield from pager.accept(send(request))

    :param make_request: builds the request for a page number.
    :param item_keys: where the items may sit when ``data`` is an object, in order of preference.
    """

    def __init__(self, make_request: Callable[[int], ApiRequest], item_keys: Sequence[str]) -> None:
        self._make_request = make_request
        self._item_keys = tuple(item_keys)
        self._next_page: int | None = 1
        self._after_page_zero: int | None = None
        self._seen: set[str] = set()
        self._idless_pages: set[str] = set()
        self.pages_fetched = 0

    def next_request(self) -> ApiRequest | None:
        """The request for the next page, or None when the walk is over."""
        if self._next_page is None:
            return None
        if self.pages_fetched >= MAX_PAGES:
            raise RealtimeKitInvalidResponseError(
                f"Stopped after {MAX_PAGES} pages of {self._make_request(1).what}: the API keeps reporting more pages."
            )
        return self._make_request(self._next_page)

    def accept(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """
        Take one page's decoded body; return its new items and decide whether another page is needed.

        :param body: the decoded response body.
        """
        assert self._next_page is not None
        self.pages_fetched += 1
        fresh = [item for item in self._items(body) if self._is_new(item)]
        if self._repeats_an_idless_page(fresh):
            fresh = []
        paging = self._paging(body)
        if self.pages_fetched == 1 and _starts_after_first_item(paging):
            # page_no is 0-based on this server [U]: page 1 was the second page, so fetch page 0 next.
            self._after_page_zero = None if not fresh or _paging_says_done(paging) else 2
            self._next_page = 0
        elif self._next_page == 0:
            self._next_page = self._after_page_zero
        elif not fresh or _paging_says_done(paging):
            self._next_page = None
        else:
            self._next_page += 1
        return fresh

    def _items(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        data = body.get("data")
        if isinstance(data, list):
            return [item for item in data if isinstance(item, dict)]
        if not isinstance(data, Mapping):
            return []
        for key in self._item_keys:
            value = data.get(key)
            if isinstance(value, list):
                return [item for item in value if isinstance(item, dict)]
            if isinstance(value, dict) and value:
                return [value]
        if "id" in data and not any(key in data for key in self._item_keys):
            # The L1 schema models `data` as the item itself, with `paging` inside it [U].
            return [{key: value for key, value in data.items() if key != "paging"}]
        return []

    def _repeats_an_idless_page(self, fresh: list[dict[str, Any]]) -> bool:
        # Items without an id cannot be recognised by id: when the same ones come back on another page, the
        # server ignores page_no, and the walk must end rather than ask for page after page.
        idless = [item for item in fresh if item.get("id") is None]
        if not idless or len(idless) < len(fresh):
            return False
        fingerprint = json.dumps(idless, sort_keys=True, default=str)
        if fingerprint in self._idless_pages:
            return True
        self._idless_pages.add(fingerprint)
        return False

    def _is_new(self, item: Mapping[str, Any]) -> bool:
        item_id = item.get("id")
        if item_id is None:
            return True
        key = str(item_id)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    @staticmethod
    def _paging(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
        paging = body.get("paging")
        if isinstance(paging, Mapping):
            return paging
        data = body.get("data")
        if isinstance(data, Mapping) and isinstance(data.get("paging"), Mapping):
            return data["paging"]
        return None


def _paging_says_done(paging: Mapping[str, Any] | None) -> bool:
    if paging is None:
        return False
    total = _as_int(paging.get("total_count"))
    end = _as_int(paging.get("end_offset"))
    if total is None or end is None:
        return False
    return total == 0 or end >= total


def _starts_after_first_item(paging: Mapping[str, Any] | None) -> bool:
    start = _as_int(paging.get("start_offset")) if paging is not None else None
    total = _as_int(paging.get("total_count")) if paging is not None else None
    return start is not None and start > 1 and (total is None or total > 0)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None  # JSON allows NaN and Infinity
    if isinstance(value, str) and value.strip().isdecimal():  # not isdigit(): int('²') raises
        return int(value)
    return None
