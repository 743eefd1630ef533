"""Triggers: the deferrable session wait and the session-ended event trigger for asset watchers.

Names are imported on first use (module ``__getattr__``): importing one trigger module, as the sensor does
when it defers, does not import the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_realtimekit._lazy import lazy_exports

if TYPE_CHECKING:
    from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
    from airflow_provider_realtimekit.triggers.session_ended import RealtimeKitLivestreamSessionEndedTrigger

_HOMES = {
    "RealtimeKitLivestreamSessionTrigger": ".realtimekit",
    "RealtimeKitLivestreamSessionEndedTrigger": ".session_ended",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())


__all__ = ["RealtimeKitLivestreamSessionEndedTrigger", "RealtimeKitLivestreamSessionTrigger"]
