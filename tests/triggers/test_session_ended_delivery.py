"""What the session-ended watcher delivers across a restart, and how it refuses bad kwargs.

A restart is a new trigger instance built from the first one's serialized kwargs, as the triggerer builds
it. Inside a 3.3 triggerer the instance is handed the asset's Asset State Store; that store talks to the
triggerer's supervisor and cannot run outside it, so here it is played by :class:`AssetStateStoreDouble`
(the same ``aget``/``aset`` calls, kept in a dict). The end-to-end test restarts a real triggerer.
"""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
from airflow_provider_realtimekit.session_watch.cursor_store import CURSOR_KEY
from airflow_provider_realtimekit.session_watch.parameters import check_watch_parameters
from airflow_provider_realtimekit.triggers import RealtimeKitLivestreamSessionEndedTrigger
from tests.triggers.watch_driver import nothing


class AssetStateStoreDouble:
    """Stands in for ``trigger.asset_state_store`` (``AssetStateStoreAccessors`` of one asset)."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    async def aget(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)

    async def aset(self, key: str, value: object) -> None:
        self.values[key] = value


def rebuilt(trigger: RealtimeKitLivestreamSessionEndedTrigger, store=None) -> RealtimeKitLivestreamSessionEndedTrigger:
    """The instance a (re)started triggerer builds from the serialized kwargs, with the store it injects."""
    _, kwargs = trigger.serialize()
    instance = RealtimeKitLivestreamSessionEndedTrigger(**kwargs)
    instance.asset_state_store = store
    return instance


@pytest.fixture
def livestream(emulator, realtimekit_conn):
    return emulator.add_livestream()


def ends_in(emulator, livestream, seconds: float) -> dict:
    return emulator.add_session(livestream["id"], stops_after=seconds)


async def test_restart_with_the_state_store_loses_and_repeats_nothing(emulator, livestream, driver):
    store = AssetStateStoreDouble()
    first_session = ends_in(emulator, livestream, 3)
    first = rebuilt(RealtimeKitLivestreamSessionEndedTrigger(poll_interval=5), store)
    before = await driver.watch(first, [lambda: emulator.advance(4), nothing])  # saved a cycle after the event

    # The triggerer is down while the next session runs and ends.
    downtime = emulator.add_session(livestream["id"], started=emulator.now().timestamp(), stops_after=2)
    emulator.advance(3)
    after = await driver.watch(rebuilt(first, store), [nothing])

    assert [event["session_id"] for event in before] == [first_session["id"]]
    assert [event["session_id"] for event in after] == [downtime["id"]]
    assert store.values[CURSOR_KEY]["ids"] == [downtime["id"]]


async def test_restart_before_the_cursor_was_saved_repeats_the_last_cycle(emulator, livestream, driver):
    store = AssetStateStoreDouble()
    session = ends_in(emulator, livestream, 3)
    first = rebuilt(RealtimeKitLivestreamSessionEndedTrigger(poll_interval=5), store)

    # Killed during the pause after the cycle that reported the session: at-least-once, not lost.
    before = await driver.watch(first, [lambda: emulator.advance(4)])
    after = await driver.watch(rebuilt(first, store), [nothing])

    assert [event["session_id"] for event in before] == [session["id"]]
    assert [event["session_id"] for event in after] == [session["id"]]


async def test_restart_without_a_state_store_loses_sessions_that_ended_while_down(emulator, livestream, driver):
    first = RealtimeKitLivestreamSessionEndedTrigger(poll_interval=5)
    reported = ends_in(emulator, livestream, 3)
    before = await driver.watch(first, [lambda: emulator.advance(4), nothing])

    emulator.add_session(livestream["id"], started=emulator.now().timestamp(), stops_after=2)
    emulator.advance(3)  # ends while no watcher runs: lost on Airflow 3.1/3.2 (at-most-once)
    later = {}

    def next_session():
        later["session"] = emulator.add_session(livestream["id"], started=emulator.now().timestamp() + 1, stops_after=2)
        emulator.advance(4)

    after = await driver.watch(rebuilt(first), [next_session, nothing])

    assert [event["session_id"] for event in before] == [reported["id"]]
    assert [event["session_id"] for event in after] == [later["session"]["id"]]


async def test_restart_without_a_state_store_replays_everything_since(emulator, livestream, driver):
    since = emulator.now().isoformat()
    first = RealtimeKitLivestreamSessionEndedTrigger(poll_interval=5, since=since)
    one = ends_in(emulator, livestream, 3)
    before = await driver.watch(first, [lambda: emulator.advance(4)])
    two = emulator.add_session(livestream["id"], started=emulator.now().timestamp(), stops_after=2)
    emulator.advance(3)

    after = await driver.watch(rebuilt(first), [nothing])

    assert [event["session_id"] for event in before] == [one["id"]]
    assert [event["session_id"] for event in after] == [one["id"], two["id"]]


async def test_since_backfills_sessions_that_ended_before_the_first_start(emulator, livestream, driver):
    old = emulator.add_session(livestream["id"], started="2026-01-02T10:00:00Z", stopped="2026-01-02T11:00:00Z")
    emulator.add_session(livestream["id"], started="2025-12-30T10:00:00Z", stopped="2025-12-30T11:00:00Z")

    events = await driver.watch(RealtimeKitLivestreamSessionEndedTrigger(since="2026-01-01T00:00:00Z"), [nothing])

    assert [event["session_id"] for event in events] == [old["id"]]


BAD_KWARGS = [
    ({"poll_interval": 1}, "at least 5 seconds"),
    ({"poll_interval": "60"}, "poll_interval must be a number"),
    ({"poll_interval": float("nan")}, "poll_interval must be a number"),
    ({"livestream_ids": "ls-1"}, "livestream_ids must be a list"),
    ({"livestream_ids": []}, "pass None to watch every livestream"),
    ({"livestream_ids": ["ok", "a/b"]}, "livestream_ids item"),
    ({"include_errored": "yes"}, "include_errored must be True or False"),
    ({"exclude_meetings": 1}, "exclude_meetings must be True or False"),
    ({"since": "yesterday"}, "ISO-8601 date-time with a UTC offset"),
    ({"since": "2026-01-01T00:00:00"}, "ISO-8601 date-time with a UTC offset"),
    ({"realtimekit_conn_id": ""}, "realtimekit_conn_id must be a non-empty"),
]


@pytest.mark.parametrize(("kwargs", "words"), BAD_KWARGS)
def test_bad_kwargs_are_refused_when_the_dag_file_is_parsed(kwargs, words):
    with pytest.raises(RealtimeKitConfigError, match=words):
        check_watch_parameters(**kwargs)
    with pytest.raises(RealtimeKitConfigError, match=words):
        RealtimeKitLivestreamSessionEndedTrigger(**kwargs)


async def test_bad_kwargs_inside_the_triggerer_are_logged_not_raised_and_nothing_is_polled(
    emulator, realtimekit_conn, driver, capfd
):
    trigger = RealtimeKitLivestreamSessionEndedTrigger(poll_interval=1)  # built inside a running loop

    events = await driver.watch(trigger, [nothing])

    assert events == []
    assert emulator.requests == []
    assert "does not poll: poll_interval must be at least 5 seconds" in capfd.readouterr().out
    assert trigger.serialize()[1]["poll_interval"] == 1


async def test_a_missing_connection_is_logged_and_tried_again(emulator, driver, capfd, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", raising=False)
    trigger = RealtimeKitLivestreamSessionEndedTrigger(poll_interval=5)

    events = await driver.watch(
        trigger, [lambda: monkeypatch.setenv("AIRFLOW_CONN_REALTIMEKIT_DEFAULT", emulator.connection_json())]
    )

    assert events == []
    assert "cannot use connection 'realtimekit_default'" in capfd.readouterr().out
    assert [record.route for record in emulator.requests] == ["livestreams"]
