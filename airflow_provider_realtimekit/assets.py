"""Assets for event-driven DAGs: one line declares an ``Asset`` whose watcher reports every ended session.

A DAG scheduled on the asset gets a run for the sessions that ended (several may be folded into one run);
each asset event's ``extra["payload"]`` is the trigger's event payload. See ``docs/event-driven.md``.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
from airflow_provider_realtimekit.session_watch.parameters import check_watch_parameters

if TYPE_CHECKING:
    from airflow.sdk import Asset

DEFAULT_ASSET_NAME = "realtimekit_livestream_sessions_ended"


def livestream_sessions_ended_asset(
    name: str = DEFAULT_ASSET_NAME, *, uri: str | None = None, **trigger_kwargs: Any
) -> Asset:
    """
    An ``Asset`` watched by :class:`RealtimeKitLivestreamSessionEndedTrigger`: one asset event per
    livestream session that ends.

    The kwargs are checked here, when the DAG file is parsed: a bad value fails the parse with a message
    naming it, and never reaches the triggerer.

    :param name: the asset's name (also its URI unless ``uri`` is given).
    :param uri: the asset's URI; by default the name.
    :param trigger_kwargs: the trigger's kwargs: ``realtimekit_conn_id``, ``poll_interval``,
        ``livestream_ids``, ``exclude_meetings``, ``include_errored``, ``since``.
    """
    from airflow.sdk import Asset, AssetWatcher  # here: keeps `import airflow_provider_realtimekit` light

    from airflow_provider_realtimekit.triggers.session_ended import RealtimeKitLivestreamSessionEndedTrigger

    accepted = list(inspect.signature(check_watch_parameters).parameters)
    unknown = sorted(set(trigger_kwargs) - set(accepted))
    if unknown:
        raise RealtimeKitConfigError(
            f"livestream_sessions_ended_asset() got unknown kwargs {unknown}; the watcher accepts {accepted}."
        )
    parameters = check_watch_parameters(**trigger_kwargs)
    trigger = RealtimeKitLivestreamSessionEndedTrigger(**parameters.to_kwargs())
    watcher = AssetWatcher(name=f"{name}_watcher", trigger=trigger)
    if uri is None:
        return Asset(name=name, watchers=[watcher])
    return Asset(name=name, uri=uri, watchers=[watcher])
