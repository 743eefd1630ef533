"""The bad-input catalog: every input a user can get wrong is refused before any request, naming the field.

Inputs reach the code the way users hand them over: session ids and connection fields through Airflow
tasks (the session operator and the poke sensor under ``dag.test()``, ids arriving from an upstream task's
XCom or from a template), livestream ids through the hook, parameters through constructors. The emulator's
request log proves nothing was sent. Each row is a test; the rows of one group share one ``dag.test()``.

Deliberate choices (tested here too): a non-ASCII id is percent-encoded and sent as one path segment (it
cannot change the path); an ASCII or C1 control character, Unicode whitespace, '/', '?', '#', '%', '\\' or a
dot segment is refused. A base URL without a scheme means https (documented for a bare host name).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_realtimekit.api.ids import validate_id
from airflow_provider_realtimekit.api.settings import base_url_of
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError, RealtimeKitNotFoundError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from airflow_provider_realtimekit.hooks.realtimekit_async import RealtimeKitAsyncHook
from airflow_provider_realtimekit.operators.usage import RealtimeKitLivestreamUsageOperator, resolve_window
from airflow_provider_realtimekit.sensors.realtimekit import RealtimeKitLivestreamSessionSensor
from airflow_provider_realtimekit.testing import RealtimeKitEmulator
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger
from tests.conftest import TOKEN
from tests.dags import reliability_dags as dags
from tests.reliability.harness import exception_texts

GOOD_SESSION = "rel-session"
BASE = "http://127.0.0.1:{port}/client/v4"


@dataclass(frozen=True)
class Row:
    """
    One bad input.

    :param label: how the summary table names it.
    :param value: the input (a session/livestream id, connection fields, or a callable for parameters).
    :param fragments: what the error message must contain (the field's name, at least).
    :param delivered: the value the task receives, when Airflow changes it on the way.
    """

    label: str
    value: Any
    fragments: tuple[str, ...]
    delivered: Any = None

    @property
    def id(self) -> str:
        return self.label.encode("ascii", "backslashreplace").decode()[:40]


# -- ids ---------------------------------------------------------------------------------------------------------

ID_ROWS = [
    Row("empty", "", ("is empty",)),
    Row("whitespace", "   ", ("is empty",)),
    Row("None (an upstream XCom)", None, ("must be a string", "NoneType")),
    Row("a number (42)", 42, ("must be a string", "int")),
    Row("'../x'", "../x", ("'/'",)),
    Row("'a/b'", "a/b", ("'/'",)),
    Row("'..'", "..", ("'..'",)),
    Row("'.'", ".", ("'.'",)),
    Row("'%2e%2e'", "%2e%2e", ("'%'",)),
    Row("'?x=1'", "?x=1", ("'?'",)),
    Row("'#'", "#", ("'#'",)),
    Row("backslash", "a\\b", ("'\\\\'",)),
    Row("NUL", "a\x00b", ("'\\x00'",)),
    Row("newline", "a\nb", ("'\\n'",)),
    # Airflow renders a templated field's value with Jinja, which turns '\r' into '\n' (both are refused).
    Row("carriage return", "a\rb", ("not allowed", "control characters"), delivered="a\nb"),
    Row("tab", "a\tb", ("'\\t'",)),
    Row("ESC", "\x1b[31mred", ("'\\x1b'",)),
    Row("DEL", "a\x7fb", ("'\\x7f'",)),
    Row("C1 control (CSI)", "a\x9bb", ("'\\x9b'",)),
    Row("no-break space", "a\u00a0b", ("'\\xa0'",)),
    Row("line separator", "a\u2028b", ("'\\u2028'",)),
    Row("10,000 characters", "x" * 10_000, ("10000 characters",)),
]
#: Non-ASCII ids are accepted, percent-encoded, and stay one path segment: (row, encoded path segment).
NON_ASCII_ROWS = [
    (Row("'café'", "café", ()), "caf%C3%A9"),
    (Row("fullwidth solidus 'a\uff0fb'", "a\uff0fb", ()), "a%EF%BC%8Fb"),
    (Row("zero-width space", "a\u200bb", ()), "a%E2%80%8Bb"),
]


# -- connection fields -------------------------------------------------------------------------------------------


def _conn(**changes: Any) -> Callable[[RealtimeKitEmulator], dict[str, Any]]:
    """Connection fields of a working connection to the emulator, with ``changes`` (None removes a field)."""

    def build(emulator: RealtimeKitEmulator) -> dict[str, Any]:
        conn = emulator.connection()
        extra = dict(conn["extra"])
        for name, change in changes.items():
            target = extra if name in ("account_id", "app_id") or name.startswith("x_") else conn
            key = name.removeprefix("x_")
            value = change
            if isinstance(change, str):
                value = change.format(port=emulator.port, token=TOKEN, base=BASE.format(port=emulator.port))
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
        conn["extra"] = extra if "extra" not in changes else conn["extra"]
        return {k: v for k, v in conn.items() if v is not None}

    return build


CONNECTION_ROWS = [
    Row("token missing", _conn(password=None), ("no API token",)),
    Row("token empty", _conn(password=""), ("no API token",)),
    Row("token with a line break", _conn(password="{token}\n"), ("API token", "line breaks")),
    Row("account_id missing", _conn(account_id=None), ("account_id",)),
    Row("app_id missing", _conn(app_id=None), ("app_id",)),
    Row("account_id empty", _conn(account_id=""), ("account_id",)),
    Row("app_id blank", _conn(app_id="   "), ("app_id",)),
    Row("account_id a number", _conn(account_id=123), ("account_id", "must be a string")),
    Row("app_id a list", _conn(app_id=["a"]), ("app_id", "must be a string")),
    Row("account_id '../x'", _conn(account_id="../x"), ("account_id", "not allowed")),
    Row("extra not an object", _conn(extra="[1, 2]"), ("extra", "JSON object")),
    Row("max_attempts 'three'", _conn(x_max_attempts="three"), ("max_attempts",)),
    Row("max_attempts 0", _conn(x_max_attempts=0), ("max_attempts",)),
    Row("max_attempts '²'", _conn(x_max_attempts="²"), ("max_attempts",)),
    Row("read_timeout -1", _conn(x_read_timeout=-1), ("read_timeout",)),
    Row("read_timeout 'nan'", _conn(x_read_timeout="nan"), ("read_timeout",)),
    Row("connect_timeout 0", _conn(x_connect_timeout=0), ("connect_timeout",)),
    Row("retry_after_cap 'soon'", _conn(x_retry_after_cap="soon"), ("retry_after_cap",)),
    Row("backoff_initial -0.5", _conn(x_backoff_initial=-0.5), ("backoff_initial",)),
    Row("base URL ftp://", _conn(host="ftp://127.0.0.1:{port}/client/v4"), ("API base URL", "http://")),
    Row("base URL without host", _conn(host="http://"), ("API base URL",)),
    Row("base URL path '..'", _conn(host="{base}/../../x"), ("API base URL", "'..'")),
    Row("base URL path '%2e%2e'", _conn(host="{base}/%2e%2e/x"), ("API base URL", "'..'")),
    Row("base URL path '.'", _conn(host="{base}/./x"), ("API base URL", "'.'")),
    Row("base URL with credentials", _conn(host="http://rtk:{token}@127.0.0.1:{port}/client/v4"), ("credentials",)),
    Row("base URL with a query", _conn(host="{base}?token={token}"), ("API base URL", "query")),
    Row("base URL with a fragment", _conn(host="{base}#x"), ("API base URL", "fragment")),
    Row("base URL with a space", _conn(host="{base}/a b"), ("API base URL", "whitespace")),
    Row("base URL port not a number", _conn(host="http://127.0.0.1:port/client/v4"), ("API base URL", "port")),
    Row("base URL unclosed IPv6 bracket", _conn(host="http://[::1/client/v4"), ("API base URL",)),
]


# -- parameters ------------------------------------------------------------------------------------------------

UTC = timezone.utc
DAY = datetime(2026, 3, 1, tzinfo=UTC)


def _sensor(**kwargs: Any) -> Any:
    return RealtimeKitLivestreamSessionSensor(task_id="s", session_id=GOOD_SESSION, **kwargs)


def _trigger(**kwargs: Any) -> Any:
    return RealtimeKitLivestreamSessionTrigger(GOOD_SESSION, "rel_inputs", **kwargs)


def _hook_call(**kwargs: Any) -> Callable[[], Any]:
    return lambda: RealtimeKitHook("rel_inputs", **kwargs).get_livestream_session(GOOD_SESSION)


def _usage(**kwargs: Any) -> Any:
    return RealtimeKitLivestreamUsageOperator(task_id="u", output_path="/tmp/rel-bad-input.jsonl", **kwargs)


PARAMETER_ROWS = [
    Row("sensor poke_interval 0", lambda: _sensor(poke_interval=0), ("poke_interval",)),
    Row("sensor poke_interval -1", lambda: _sensor(poke_interval=-1), ("poke_interval",)),
    Row("sensor poke_interval NaN", lambda: _sensor(poke_interval=math.nan), ("poke_interval",)),
    Row("sensor timeout 0", lambda: _sensor(timeout=0), ("timeout",)),
    Row("sensor timeout -5", lambda: _sensor(timeout=-5), ("timeout",)),
    Row("sensor timeout timedelta(0)", lambda: _sensor(timeout=timedelta(0)), ("timeout",)),
    Row("sensor max_consecutive_failures -1", lambda: _sensor(max_consecutive_failures=-1), ("max_consecutive",)),
    Row("sensor max_consecutive_failures 1.5", lambda: _sensor(max_consecutive_failures=1.5), ("max_consecutive",)),
    Row("trigger poll_interval 0", lambda: _trigger(poll_interval=0), ("poll_interval",)),
    Row("trigger poll_interval -1", lambda: _trigger(poll_interval=-1), ("poll_interval",)),
    Row("trigger max_consecutive_failures -1", lambda: _trigger(max_consecutive_failures=-1), ("max_consecutive",)),
    Row("hook timeout 0", _hook_call(timeout=0), ("timeout",)),
    Row("hook timeout -1", _hook_call(timeout=-1), ("timeout",)),
    Row("hook timeout (0, 5)", _hook_call(timeout=(0, 5)), ("timeout[0]",)),
    Row("hook timeout (5, -1)", _hook_call(timeout=(5, -1)), ("timeout[1]",)),
    Row("hook timeout NaN", _hook_call(timeout=math.nan), ("timeout",)),
    Row("hook max_attempts 0", _hook_call(max_attempts=0), ("max_attempts",)),
    Row("hook retry_after_cap -1", _hook_call(retry_after_cap=-1), ("retry_after_cap",)),
    Row("usage format 'xml'", lambda: _usage(format="xml"), ("format",)),
    Row("usage window_field 'created_time'", lambda: _usage(window_field="created_time"), ("window_field",)),
    Row(
        "usage end before start",
        lambda: _usage(start="2026-03-02T00:00:00Z", end="2026-03-01T00:00:00Z").execute({}),
        ("window end", "after its start"),
    ),
    Row(
        "usage end equal to start",
        lambda: resolve_window("2026-03-01T00:00:00Z", "2026-03-01T00:00:00+00:00", None, None),
        ("window end",),
    ),
    Row(
        "usage start without offset",
        lambda: _usage(start="2026-03-01T00:00:00", end="2026-03-02").execute({}),
        ("start", "no timezone"),
    ),
    Row(
        "analytics end before start",
        lambda: RealtimeKitHook("rel_inputs").get_livestream_analytics(DAY, DAY - timedelta(days=1)),
        ("window end",),
    ),
    Row(
        "analytics naive start",
        lambda: RealtimeKitHook("rel_inputs").get_livestream_analytics(DAY.replace(tzinfo=None), DAY),
        ("start", "timezone"),
    ),
    Row(
        "livestream status 'RUNNING'",
        lambda: list(RealtimeKitHook("rel_inputs").iter_livestreams(status="RUNNING")),
        ("status",),
    ),
]


# -- fixtures -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs_emulator() -> Iterator[RealtimeKitEmulator]:
    with RealtimeKitEmulator(token=TOKEN, port=0) as emulator:
        emulator.add_livestream(name="studio", id="rel-ls")
        emulator.add_session("rel-ls", id=GOOD_SESSION)
        yield emulator


@pytest.fixture
def conn_env(inputs_emulator, monkeypatch) -> RealtimeKitEmulator:
    monkeypatch.setenv("AIRFLOW_CONN_REL_INPUTS", inputs_emulator.connection_json())
    return inputs_emulator


@dataclass
class GroupRun:
    """One ``dag.test()`` of ``rel_inputs`` for a group of rows, and what it left."""

    states: dict[tuple[str, int], str] = field(default_factory=dict)
    failures: dict[tuple[str, int], BaseException | None] = field(default_factory=dict)
    rendered: dict[tuple[str, int], Any] = field(default_factory=dict)
    requests: list[Any] = field(default_factory=list)
    output: str = ""
    xcoms: list[Any] = field(default_factory=list)


_GROUP_RUNS: dict[str, GroupRun] = {}


@pytest.fixture
def group_run(conn_env, airflow_db, monkeypatch, capfd, reliability) -> Callable[[str], GroupRun]:
    """Run a whole group through ``dag.test()`` once (in its first row's test) and hand each row the result."""

    def run(group: str) -> GroupRun:
        if group not in _GROUP_RUNS:
            _GROUP_RUNS[group] = _run_group(group, conn_env, monkeypatch, capfd)
            reliability.no_token(f"stdout/stderr and logs: bad inputs, {group}", _GROUP_RUNS[group].output)
            reliability.no_token(f"XCom: bad inputs, {group}", _GROUP_RUNS[group].xcoms)
        return _GROUP_RUNS[group]

    return run


def _run_group(group: str, emulator: RealtimeKitEmulator, monkeypatch, capfd) -> GroupRun:
    if group == "ids":
        cases = [{"session_id": row.value, "realtimekit_conn_id": "rel_inputs"} for row in ID_ROWS]
    else:
        cases = []
        for index, row in enumerate(CONNECTION_ROWS):
            monkeypatch.setenv(f"AIRFLOW_CONN_REL_BAD_{index}", json.dumps(row.value(emulator)))
            cases.append({"session_id": GOOD_SESSION, "realtimekit_conn_id": f"rel_bad_{index}"})
    emulator.clear_requests()
    dags.FAILURES.clear()
    dag_run = dags.inputs_dag.test(run_conf={"cases": cases})
    result = GroupRun(requests=emulator.requests)
    for ti in dag_run.get_task_instances():
        key = (ti.task_id, ti.map_index)
        result.states[key] = str(getattr(ti.state, "value", ti.state))
        result.xcoms.append(ti.xcom_pull(task_ids=ti.task_id, map_indexes=ti.map_index))
    for run_id, task_id, map_index, error in dags.FAILURES:
        if run_id == dag_run.run_id:
            result.failures[(task_id, map_index)] = error
    result.rendered = _rendered_fields(dag_run.run_id)
    out, err = capfd.readouterr()
    result.output = out + err
    return result


def _rendered_fields(run_id: str) -> dict[tuple[str, int], Any]:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(RenderedTaskInstanceFields).filter_by(dag_id="rel_inputs", run_id=run_id).all()
        return {(row.task_id, row.map_index): row.rendered_fields for row in rows}


def _assert_refused(error: BaseException | None, row: Row, field_name: str, reliability, where: str) -> None:
    assert isinstance(error, RealtimeKitConfigError), f"{where}: {error!r}"
    message = str(error)
    for fragment in (field_name, *row.fragments):
        assert fragment in message, f"{where}: {fragment!r} not in {message!r}"
    reliability.no_token(f"exception: bad input {row.id} ({where})", exception_texts(error))


# -- the table ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ID_ROWS, ids=[row.id for row in ID_ROWS])
def test_session_id_is_refused_by_operator_and_sensor(row: Row, group_run, reliability) -> None:
    reliability.bad_input("session id (operator + sensor, dag.test)", row.label)
    run = group_run("ids")
    index = ID_ROWS.index(row)

    assert run.requests == []  # not one request for the whole group
    for task_id in ("operator", "sensor"):
        assert run.states[(task_id, index)] == "failed"
        _assert_refused(run.failures[(task_id, index)], row, "session_id", reliability, task_id)
        rendered = run.rendered[(task_id, index)]["session_id"]
        if isinstance(row.value, str) and len(row.value) > 4096:  # Airflow stores long values truncated
            assert rendered.startswith("Truncated.")
        else:  # the task got the input as given
            assert rendered == (row.delivered if row.delivered is not None else row.value)
        reliability.no_token(f"rendered field: bad input {row.id}", run.rendered[(task_id, index)])


def test_session_id_from_a_template_that_renders_empty_is_refused(group_run, reliability) -> None:
    reliability.bad_input("session id (operator + sensor, dag.test)", "template rendering to ''")
    run = group_run("ids")

    assert run.requests == []
    row = Row("template rendering to ''", "", ("is empty", "template"))
    for task_id in ("operator_template", "sensor_template"):
        assert run.states[(task_id, -1)] == "failed"
        _assert_refused(run.failures[(task_id, -1)], row, "session_id", reliability, task_id)


@pytest.mark.parametrize("row", ID_ROWS, ids=[row.id for row in ID_ROWS])
def test_livestream_id_is_refused_by_the_hook(row: Row, conn_env, reliability) -> None:
    reliability.bad_input("livestream id (hook methods)", row.label)
    conn_env.clear_requests()
    hook = RealtimeKitHook("rel_inputs")
    calls = {
        "get_livestream": lambda: hook.get_livestream(row.value),
        "get_active_livestream_session": lambda: hook.get_active_livestream_session(row.value),
        "iter_livestream_sessions": lambda: hook.iter_livestream_sessions(row.value),
    }
    for name, call in calls.items():
        with pytest.raises(RealtimeKitConfigError) as raised:
            call()
        _assert_refused(raised.value, row, "livestream_id", reliability, name)
    assert conn_env.requests == []


@pytest.mark.parametrize(("row", "encoded"), NON_ASCII_ROWS, ids=[row.id for row, _ in NON_ASCII_ROWS])
def test_non_ascii_id_is_percent_encoded_into_one_path_segment(row: Row, encoded: str, conn_env, reliability) -> None:
    reliability.bad_input("session id (hooks)", row.label, expectation="percent-encoded, sent as one path segment")
    assert validate_id("session_id", row.value) == encoded
    conn_env.clear_requests()

    with pytest.raises(RealtimeKitNotFoundError):
        RealtimeKitHook("rel_inputs").get_livestream_session(row.value)

    async def fetch() -> None:
        async with RealtimeKitAsyncHook("rel_inputs") as hook:
            await hook.get_livestream_session(row.value)

    with pytest.raises(RealtimeKitNotFoundError):
        asyncio.run(fetch())
    # Both clients sent it to the session route, as one segment the server decodes back to the id.
    assert [(r.route, r.path.rsplit("/", 1)[1]) for r in conn_env.requests] == [("livestream_session", row.value)] * 2


@pytest.mark.parametrize("row", CONNECTION_ROWS, ids=[row.id for row in CONNECTION_ROWS])
def test_connection_field_is_refused_by_operator_and_sensor(row: Row, group_run, reliability) -> None:
    reliability.bad_input("connection field (operator + sensor, dag.test)", row.label)
    run = group_run("connections")
    index = CONNECTION_ROWS.index(row)

    assert run.requests == []
    for task_id in ("operator", "sensor"):
        assert run.states[(task_id, index)] == "failed"
        _assert_refused(run.failures[(task_id, index)], row, f"rel_bad_{index}", reliability, task_id)


def test_base_url_without_scheme_means_https(reliability) -> None:
    from airflow.sdk import Connection

    reliability.bad_input(
        "connection field (operator + sensor, dag.test)",
        "base URL without scheme",
        expectation="https:// assumed (documented for a bare host name)",
    )
    conn = Connection(conn_id="c", conn_type="realtimekit", host="api.example.com/client/v4/")
    assert base_url_of(conn) == "https://api.example.com/client/v4"


@pytest.mark.parametrize("row", PARAMETER_ROWS, ids=[row.id for row in PARAMETER_ROWS])
def test_parameter_is_refused_before_any_request(row: Row, conn_env, reliability) -> None:
    reliability.bad_input("parameter (constructor / first call)", row.label)
    conn_env.clear_requests()

    with pytest.raises(RealtimeKitConfigError) as raised:
        row.value()

    _assert_refused(raised.value, row, row.fragments[0], reliability, "constructor")
    assert conn_env.requests == []
