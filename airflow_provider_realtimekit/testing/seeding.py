"""Deterministic bulk data: many livestreams with finished sessions, for paging and usage-pull tests.

The same ``rng_seed``, ``start`` and ``end`` give the same ids and figures. Session starts are spread
uniformly over ``[start, end)``; durations are between one minute and four hours (most under an hour) and
every session stops no later than ``end`` (so with ``end`` in the future some are still live); about 3%
carry an ``err_message``. ``viewer_seconds`` is
fractional, as in the API's examples.
"""

from __future__ import annotations

import random

from airflow_provider_realtimekit.testing.state import (
    Livestream,
    LivestreamSession,
    LivestreamStore,
    random_uuid4,
)

ERROR_MESSAGES = (
    "RTMP ingest disconnected",
    "Stream key rejected by ingest server",
    "Encoder stopped sending data",
)


def seed_livestreams(
    store: LivestreamStore,
    *,
    n_livestreams: int,
    sessions_each: int,
    start: float,
    end: float,
    rng_seed: int,
) -> list[str]:
    """Add ``n_livestreams`` livestreams with ``sessions_each`` finished sessions each; return their ids.

    :param store: the store to fill (the caller holds its lock).
    :param n_livestreams: how many livestreams to create.
    :param sessions_each: sessions per livestream.
    :param start: earliest session start, Unix seconds.
    :param end: latest session stop, Unix seconds.
    :param rng_seed: seed of the data generator.
    """
    if end <= start:
        raise ValueError("seed needs start < end")
    rng = random.Random(f"realtimekit-seed:{rng_seed}")  # a stream apart from the store's own ids
    ids: list[str] = []
    for index in range(n_livestreams):
        livestream = Livestream(
            id=random_uuid4(rng),
            name=f"seeded-stream-{index + 1:03d}",
            created=start - rng.uniform(0, 30 * 86400),
            initial_status=None,
            meeting_id=None,
            stream_key=f"{rng.getrandbits(128):032x}",
        )
        if livestream.id in store.livestreams:
            raise ValueError(f"seeded livestream {livestream.id} already exists; use another rng_seed")
        sessions = [_session(rng, livestream.id, start, end) for _ in range(sessions_each)]
        now = store.clock.now()
        livestream.sessions = sessions
        livestream.sessions_sorted = False
        livestream.open_sessions = [s for s in sessions if not s.is_settled(now)]  # when ``end`` is ahead
        store.livestreams[livestream.id] = livestream
        store.sessions.update((s.id, s) for s in sessions)
        ids.append(livestream.id)
    return ids


def _session(rng: random.Random, livestream_id: str, start: float, end: float) -> LivestreamSession:
    started = float(int(start + rng.random() * (end - start)))
    duration = min(60.0 + rng.expovariate(1 / 1800.0), 4 * 3600.0)
    stop_at = min(started + duration, end)
    ingest = int(stop_at - started)
    errored = rng.random() < 0.03
    return LivestreamSession(
        id=random_uuid4(rng),
        livestream_id=livestream_id,
        started=started,
        stop_at=stop_at,
        polls_left=None,
        err_message=rng.choice(ERROR_MESSAGES) if errored else None,
        ingest_seconds=ingest,
        viewer_seconds=ingest * rng.uniform(0.0, 40.0),
    )
