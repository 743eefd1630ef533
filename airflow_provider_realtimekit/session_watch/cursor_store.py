"""Where the watcher keeps its cursor between cycles and across triggerer restarts.

- In the triggerer on Airflow 3.3+, the triggerer hands every watcher trigger the Asset State Store of
  the asset it watches (``trigger.asset_state_store``, AIP-103): the cursor is saved there under
  :data:`CURSOR_KEY`, in the metadata DB, and a restarted trigger (same triggerer or another one)
  resumes from it.
- Everywhere else (Airflow 3.1 and 3.2, a plain event loop, tests, or one trigger watching several
  assets, where the store cannot tell which asset is meant) the cursor lives in the trigger instance's
  memory and dies with it.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from airflow_provider_realtimekit.session_watch.cursor import Cursor

#: The Asset State Store key of the cursor (visible with ``airflow state-store`` and in the REST API).
CURSOR_KEY = "realtimekit_session_ended_cursor"

log = logging.getLogger(__name__)


class CursorStore(Protocol):
    """Loads and saves the watcher's cursor."""

    #: True when the cursor outlives the trigger instance.
    durable: bool

    async def load(self) -> Cursor | None: ...

    async def save(self, cursor: Cursor) -> None: ...


class MemoryCursorStore:
    """The cursor in the trigger instance's memory: lost when the trigger or its triggerer stops."""

    durable = False

    def __init__(self) -> None:
        self._cursor: Cursor | None = None

    async def load(self) -> Cursor | None:
        return self._cursor

    async def save(self, cursor: Cursor) -> None:
        self._cursor = cursor


class AssetStateCursorStore:
    """
    The cursor in the Asset State Store of the watched asset (Airflow 3.3+, inside the triggerer).

    A store that cannot be read or written (several watched assets, a DB hiccup) is logged and the
    watcher carries on with the cursor in memory: it keeps reporting, and only a restart would lose or
    repeat what the failed saves covered.

    :param accessors: ``trigger.asset_state_store``, with ``aget(key, default)`` and ``aset(key, value)``.
    """

    def __init__(self, accessors: Any) -> None:
        self._accessors = accessors
        self._memory = MemoryCursorStore()
        self.durable = True

    async def load(self) -> Cursor | None:
        try:
            stored = await self._accessors.aget(CURSOR_KEY, None)
        except Exception as error:  # the store's errors are not a reason to stop watching
            self._fall_back("read", error)
            return await self._memory.load()
        return Cursor.from_json(stored)

    async def save(self, cursor: Cursor) -> None:
        await self._memory.save(cursor)
        if not self.durable:
            return
        try:
            await self._accessors.aset(CURSOR_KEY, cursor.to_json())
        except Exception as error:
            self._fall_back("written", error)

    def _fall_back(self, verb: str, error: Exception) -> None:
        self.durable = False
        log.warning(
            "The Asset State Store could not be %s (%s: %s); the watcher keeps its cursor in memory, so a "
            "triggerer restart may lose or repeat sessions. One trigger watching several assets cannot "
            "use the store: give each asset its own watcher kwargs.",
            verb,
            type(error).__name__,
            error,
        )


def cursor_store_for(trigger: object) -> CursorStore:
    """
    The cursor store for a trigger instance: the Asset State Store when the triggerer injected one.

    :param trigger: the watcher trigger (``asset_state_store`` is set by the 3.3+ triggerer only).
    """
    accessors = getattr(trigger, "asset_state_store", None)
    if accessors is None:
        return MemoryCursorStore()
    return AssetStateCursorStore(accessors)
