"""Triggers: the deferrable session wait and the session-ended event trigger for asset watchers.

Names are imported on first use (module ``__getattr__``): importing one trigger module, as the sensor does
when it defers, does not import the other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
    from airflow_provider_realtimekit.triggers.session_ended import RealtimeKitLivestreamSessionEndedTrigger

_HOMES = {
    "RealtimeKitLivestreamSessionTrigger": ".realtimekit",
    "RealtimeKitLivestreamSessionEndedTrigger": ".session_ended",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


__all__ = ["RealtimeKitLivestreamSessionEndedTrigger", "RealtimeKitLivestreamSessionTrigger"]
