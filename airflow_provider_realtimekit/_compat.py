"""Every import that differs between supported Airflow 3.x releases, in one place.

- Exceptions and ``conf``: the oldest supported release (3.1.5) has them in core only
  (``airflow.exceptions``, ``airflow.configuration``); later releases moved them to the Task SDK
  (``airflow.sdk.exceptions``, ``airflow.sdk.conf``) and made the old paths warn.
- ``BaseHook`` and ``aget_connection``: in the Task SDK from 3.1 on. The 3.0 fallbacks below are kept
  because they work (3.0.6 passed the provider's own tests with them): 3.0's ``BaseHook`` is in core and
  has no async lookup, and its sync lookup must not run on the triggerer's event loop (there it talks to
  the supervisor through ``async_to_sync``, which refuses the loop's thread), so it runs in a worker
  thread through asgiref's ``sync_to_async``, the wrapper the 3.0 triggerer documents for this.

The rest of the package imports these names from here only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )
except ImportError:  # Airflow 3.0 and 3.1: the Task SDK does not define them yet
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined]
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )

try:
    from airflow.sdk import BaseHook
except ImportError:  # Airflow 3.0
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef,attr-defined]

try:
    from airflow.sdk import conf
except ImportError:  # Airflow 3.0 and 3.1
    from airflow.configuration import conf  # type: ignore[no-redef,attr-defined,assignment]

if TYPE_CHECKING:
    from airflow.sdk import Connection


async def aget_connection(hook: BaseHook, conn_id: str) -> Connection:
    """
    Fetch a connection from async code without blocking the event loop, on every supported release.

    :param hook: the hook asking (its class's ``aget_connection`` / ``get_connection`` are used).
    :param conn_id: the connection id.
    """
    native: Any = getattr(hook, "aget_connection", None)
    if native is not None:
        return await native(conn_id)
    from asgiref.sync import sync_to_async

    return await sync_to_async(hook.get_connection)(conn_id)


__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "BaseHook",
    "TaskDeferred",
    "aget_connection",
    "conf",
]
