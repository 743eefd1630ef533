"""Every import that differs between supported Airflow 3.x releases, in one place.

- Exceptions: Airflow 3.0 kept them in core (``airflow.exceptions``); later releases moved them to the
  Task SDK (``airflow.sdk.exceptions``) and made the old path warn.
- ``BaseHook`` and ``conf``: the Task SDK exports them from 3.1 on; 3.0 has them in core only.
- ``aget_connection``: 3.0's ``BaseHook`` has no async lookup. Its sync lookup must not run on the
  triggerer's event loop (inside the triggerer it talks to the supervisor through ``async_to_sync``,
  which refuses to run in the loop's thread), so the fallback runs it in a worker thread with asgiref's
  ``sync_to_async``, the wrapper the 3.0 triggerer documents for exactly this.

The rest of the package imports these names from here only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )
except ImportError:  # Airflow 3.0: the Task SDK does not define them yet
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined]
        AirflowException,
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
except ImportError:  # Airflow 3.0
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
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "BaseHook",
    "TaskDeferred",
    "aget_connection",
    "conf",
]
