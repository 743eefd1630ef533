"""Reading a connection once for the many triggers of one event loop that start together.

Each trigger must read its connection inside the triggerer (``aget_connection``), and Airflow serves those
reads one at a time in a worker thread: about 3 ms each on a loaded 2-core machine, so 10,000 triggers
resumed at once (a triggerer restart) would wait half a minute before their first poll. Triggers that ask
for the same connection id while a read is under way share that read. Nothing is cached beyond it: a
trigger starting later reads the connection afresh, so a rotated token is picked up.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING

from airflow_provider_realtimekit._compat import aget_connection
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook

if TYPE_CHECKING:
    from airflow.sdk import Connection

_READS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Future[Connection]]] = (
    weakref.WeakKeyDictionary()
)


async def read_connection(conn_id: str) -> Connection:
    """
    The connection ``conn_id``, read once for every caller of this loop asking while the read is under way.

    :param conn_id: the connection id.
    """
    reads = _READS.setdefault(asyncio.get_running_loop(), {})
    read = reads.get(conn_id)
    if read is None:
        read = reads[conn_id] = asyncio.ensure_future(aget_connection(RealtimeKitAsyncHook(conn_id), conn_id))
        read.add_done_callback(lambda _: reads.pop(conn_id, None))
    # shield: one cancelled trigger must not cancel the read the others wait for.
    return await asyncio.shield(read)
