"""A live fleet: many livestreams, each with one live session that stops at a random moment.

This is the load a "wait on every live session" DAG or an event-driven watcher meets: ``n`` livestreams
named ``fleet-stream-001``..., each with one session started now, whose stop time is drawn uniformly from
``(0, stop_spread]`` seconds ahead on the emulator clock (``stop_spread=None``: live until
``RealtimeKitEmulator.end_session``). The same ``seed`` on the same data gives the same ids and stop
times relative to now.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from airflow_provider_realtimekit.testing.state import Livestream, LivestreamSession, LivestreamStore, random_uuid4


@dataclass(frozen=True)
class FleetMember:
    """One livestream of a fleet and its live session.

    :param livestream: the livestream.
    :param session: its live session.
    """

    livestream: Livestream
    session: LivestreamSession


def add_live_fleet(
    store: LivestreamStore, n: int, *, stop_spread: float | None, seed: int, name_prefix: str = "fleet-stream"
) -> list[FleetMember]:
    """Add ``n`` livestreams with one live session each; return them in creation order.

    :param store: the store to fill (the caller holds its lock).
    :param n: how many livestreams (and sessions); 0 adds nothing.
    :param stop_spread: each session stops within this many seconds from now; None: they stay live.
    :param seed: seed of the ids and stop times.
    :param name_prefix: livestream names are ``<name_prefix>-001``...
    :raises ValueError: for a negative ``n`` or a ``stop_spread`` that is not positive.
    """
    if n < 0:
        raise ValueError(f"a live fleet needs n >= 0, got {n}")
    if stop_spread is not None and stop_spread <= 0:
        raise ValueError(f"stop_spread must be a positive number of seconds, got {stop_spread}")
    now = store.clock.now()
    prefix = name_prefix + "-"
    first_number = 1 + sum(1 for ls in store.livestreams.values() if ls.name and ls.name.startswith(prefix))
    # Apart from the store's ids and the seeded history; a second fleet with the same seed gets new ids.
    rng = random.Random(f"realtimekit-fleet:{seed}:{first_number}")
    members: list[FleetMember] = []
    for index in range(n):
        livestream = store.add_livestream(name=f"{name_prefix}-{first_number + index:03d}", id=random_uuid4(rng))
        # (0, spread]: a stop exactly at ``now`` would make a session that was never seen live.
        stop_after = None if stop_spread is None else stop_spread * (1.0 - rng.random())
        session = store.add_session(
            livestream.id,
            started=now,
            stops_after=stop_after,
            id=random_uuid4(rng),
            ingest_seconds=0 if stop_after is None else round(stop_after),
            viewer_seconds=0.0 if stop_after is None else round(stop_after * rng.uniform(1.0, 20.0), 3),
        )
        members.append(FleetMember(livestream, session))
    return members
