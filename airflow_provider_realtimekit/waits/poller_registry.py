"""One shared poller per token and app per event loop: finding it, making it, forgetting it.

The registry is weak on the event loop: a finished loop (a test, a ``dag.test()``, a triggerer that
stopped) leaves nothing behind, and a new loop (a new process resuming the waits from their trigger
kwargs) gets new pollers. A poller leaves the registry when its last wait leaves.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref

from airflow_provider_realtimekit.api import ClientSettings
from airflow_provider_realtimekit.waits.poller import SharedPoller
from airflow_provider_realtimekit.waits.poller_records import PollerOptions

_Key = tuple[str, str, str, str]
_POLLERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_Key, SharedPoller]] = weakref.WeakKeyDictionary()


def poller_key(settings: ClientSettings) -> _Key:
    """
    Waits share a poller when these match: base URL, account, app and a digest of the token (never the token).

    :param settings: the checked connection.
    """
    digest = hashlib.sha256(settings.token.encode()).hexdigest()
    return settings.base_url, settings.app.account_id, settings.app.app_id, digest


def shared_poller(settings: ClientSettings, options: PollerOptions | None = None) -> SharedPoller:
    """
    The running loop's poller for this connection's token and app, created on first use. It lives while
    it has waits: after its last wait has left, the next call creates a new one.

    :param settings: the checked connection.
    :param options: used only when the poller is created.
    """
    pollers = _POLLERS.setdefault(asyncio.get_running_loop(), {})
    key = poller_key(settings)
    poller = pollers.get(key)
    if poller is None:
        poller = pollers[key] = SharedPoller(settings, options, on_closed=_forget)
    return poller


def running_pollers() -> list[SharedPoller]:
    """The pollers of the running loop (tests read it)."""
    return list(_POLLERS.get(asyncio.get_running_loop(), {}).values())


def _forget(poller: SharedPoller) -> None:
    pollers = _POLLERS.get(asyncio.get_running_loop(), {})
    key = poller_key(poller.settings)
    if pollers.get(key) is poller:
        del pollers[key]
