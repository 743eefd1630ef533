"""Triggers: the deferrable session wait and the session-ended event trigger for asset watchers."""

from __future__ import annotations

from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
from airflow_provider_realtimekit.triggers.session_ended import RealtimeKitLivestreamSessionEndedTrigger

__all__ = ["RealtimeKitLivestreamSessionEndedTrigger", "RealtimeKitLivestreamSessionTrigger"]
