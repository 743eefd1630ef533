"""Reading the ``realtimekit`` connection, and the connection test behind Airflow's Test button."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_realtimekit.api.settings import DEFAULT_BASE_URL
from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook
from tests.conftest import TOKEN
from tests.hooks.conftest import ACCOUNT_ID, ACCOUNT_PATH, APP_ID, APP_PATH, cf_error, json_body, rtk_error

IDS = {"account_id": ACCOUNT_ID, "app_id": APP_ID}


def settings_error(conn_id: str, **hook_kwargs: Any) -> str:
    with pytest.raises(RealtimeKitConfigError) as raised:
        _ = RealtimeKitHook(conn_id, **hook_kwargs).settings
    return str(raised.value)


# -- base URL -------------------------------------------------------------------------------------------------


def test_full_url_in_host_is_the_base_url_without_trailing_slash(make_conn):
    conn_id = make_conn(host="http://127.0.0.1:8787/client/v4/")

    assert RealtimeKitHook(conn_id).settings.base_url == "http://127.0.0.1:8787/client/v4"


def test_bare_host_name_gets_https(make_conn):
    conn_id = make_conn(host="rtk.example.test")

    assert RealtimeKitHook(conn_id).settings.base_url == "https://rtk.example.test"


def test_bare_host_name_takes_port_and_schema_fields(make_conn):
    conn_id = make_conn(host="rtk.example.test", port=8443, schema="client/v4")

    assert RealtimeKitHook(conn_id).settings.base_url == "https://rtk.example.test:8443/client/v4"


@pytest.mark.parametrize("host", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_empty_host_means_the_cloudflare_api(make_conn, host):
    conn_id = make_conn(host=host)

    assert RealtimeKitHook(conn_id).settings.base_url == DEFAULT_BASE_URL == "https://api.cloudflare.com/client/v4"


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("ftp://x", "must start with http:// or https://"),
        ("http://", "must start with http:// or https://"),
        ("https://api.example.test/client/v4?debug=1", "must not contain credentials, a query"),
        ("https://api.example.test/client/v4#frag", "must not contain credentials, a query"),
        ("https://api.example.test/client/../v4", "must not contain '.' or '..'"),
        ("https://user:secret@api.example.test/client/v4", "must not contain credentials"),
        ("https://api.example.test/client v4", "or whitespace"),
        # Cloudflare's API lives under /client/v4 only.
        ("https://api.cloudflare.com", f"without its API path /client/v4: use {DEFAULT_BASE_URL}"),
        ("https://api.cloudflare.com/", "without its API path /client/v4"),
        ("api.cloudflare.com", "without its API path /client/v4"),
        ("https://api.cloudflare.com/v4", "without its API path /client/v4"),
    ],
)
def test_unusable_base_url_is_refused_naming_the_connection(httpserver, make_conn, host, says):
    conn_id = make_conn(host=host)

    message = settings_error(conn_id)

    assert "API base URL" in message
    assert repr(conn_id) in message
    assert says in message
    assert httpserver.log == []


@pytest.mark.parametrize("host", ["https://api.cloudflare.com/client/v4/", "api.cloudflare.com"])
def test_cloudflare_host_with_the_api_path_is_accepted(make_conn, host):
    conn_id = make_conn(host=host, schema="client/v4" if "/" not in host else None)

    assert RealtimeKitHook(conn_id).settings.base_url == DEFAULT_BASE_URL


# -- token -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", [None, "", "  "], ids=["missing", "empty", "blank"])
def test_missing_token_is_refused_naming_the_field_and_the_connection(make_conn, password):
    conn_id = make_conn(password=password)

    message = settings_error(conn_id)

    assert "password" in message
    assert "API token" in message
    assert repr(conn_id) in message


@pytest.mark.parametrize("password", [f" {TOKEN}", f"{TOKEN}\n", f"{TOKEN[:5]} {TOKEN[5:]}", f"{TOKEN}\x00"])
def test_token_with_whitespace_or_control_characters_is_refused_without_echoing_it(make_conn, password):
    conn_id = make_conn(password=password)

    message = settings_error(conn_id)

    assert "whitespace" in message
    assert TOKEN not in message
    assert TOKEN[5:] not in message


# -- account and app ids ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["account_id", "app_id"])
@pytest.mark.parametrize("value", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_missing_id_is_refused_naming_the_field_and_the_connection(make_conn, field, value):
    extra = {**IDS, field: value} if value is not None else {k: v for k, v in IDS.items() if k != field}
    conn_id = make_conn(extra=extra)

    message = settings_error(conn_id)

    assert field in message
    assert repr(conn_id) in message


@pytest.mark.parametrize("field", ["account_id", "app_id"])
@pytest.mark.parametrize("value", [12345, ["a"], {"id": "a"}, True], ids=["int", "list", "dict", "bool"])
def test_id_of_the_wrong_type_is_refused(make_conn, field, value):
    conn_id = make_conn(extra={**IDS, field: value})

    message = settings_error(conn_id)

    assert field in message
    assert "must be a string" in message


@pytest.mark.parametrize("field", ["account_id", "app_id"])
def test_id_with_a_path_separator_is_refused(make_conn, field):
    conn_id = make_conn(extra={**IDS, field: "abc/../def"})

    assert field in settings_error(conn_id)


def test_ids_are_trimmed(make_conn):
    conn_id = make_conn(extra={"account_id": f" {ACCOUNT_ID} ", "app_id": f"{APP_ID}\n"})

    app = RealtimeKitHook(conn_id).settings.app

    assert (app.account_id, app.app_id) == (ACCOUNT_ID, APP_ID)


@pytest.mark.parametrize("extra", ["not json", "[1, 2]", '"a string"'], ids=["not-json", "list", "string"])
def test_extra_that_is_not_a_json_object_is_refused(make_conn, extra):
    conn_id = make_conn(extra=extra)

    message = settings_error(conn_id)

    assert repr(conn_id) in message
    assert "account_id" in message


# -- timeouts and retries ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [0, -1, (0, 5), (5, -0.1), "10"], ids=repr)
def test_timeout_argument_must_be_positive_numbers(make_conn, timeout):
    conn_id = make_conn()

    assert "timeout" in settings_error(conn_id, timeout=timeout)


@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout"])
@pytest.mark.parametrize("value", [0, -5, "soon", True], ids=repr)
def test_timeout_extras_must_be_positive_numbers(make_conn, name, value):
    conn_id = make_conn(extra={**IDS, name: value})

    assert name in settings_error(conn_id)


@pytest.mark.parametrize("value", [0, -1, 2.5, "many"], ids=repr)
def test_max_attempts_argument_must_be_a_positive_integer(make_conn, value):
    conn_id = make_conn()

    assert "max_attempts" in settings_error(conn_id, max_attempts=value)


@pytest.mark.parametrize("value", [0, "0", -3, 1.5, False], ids=repr)
def test_max_attempts_extra_must_be_a_positive_integer(make_conn, value):
    conn_id = make_conn(extra={**IDS, "max_attempts": value})

    assert "max_attempts" in settings_error(conn_id)


def test_settings_come_from_the_connection_extras(make_conn):
    conn_id = make_conn(
        extra={**IDS, "connect_timeout": 3, "read_timeout": "7.5", "max_attempts": "2", "retry_after_cap": 10}
    )

    settings = RealtimeKitHook(conn_id).settings

    assert (settings.connect_timeout, settings.read_timeout) == (3.0, 7.5)
    assert settings.retry.max_attempts == 2
    assert settings.retry.retry_after_cap == 10.0


def test_hook_arguments_win_over_the_connection_extras(make_conn):
    conn_id = make_conn(extra={**IDS, "connect_timeout": 3, "read_timeout": 7, "max_attempts": 2})

    settings = RealtimeKitHook(conn_id, timeout=1.5, max_attempts=5, retry_after_cap=2).settings

    assert (settings.connect_timeout, settings.read_timeout) == (1.5, 1.5)
    assert settings.retry.max_attempts == 5
    assert settings.retry.retry_after_cap == 2.0


def test_defaults_are_10s_connect_30s_read_and_four_attempts(make_conn):
    settings = RealtimeKitHook(make_conn()).settings

    assert (settings.connect_timeout, settings.read_timeout) == (10.0, 30.0)
    assert settings.retry.max_attempts == 4


def test_connection_is_not_read_when_the_hook_is_created(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NOT_DEFINED_YET", raising=False)

    hook = RealtimeKitHook("not_defined_yet")

    assert hook.realtimekit_conn_id == "not_defined_yet"


def test_bad_connection_fails_before_any_request(httpserver, make_conn):
    conn_id = make_conn(extra={"account_id": ACCOUNT_ID})

    with pytest.raises(RealtimeKitConfigError):
        RealtimeKitHook(conn_id).get_livestream_session("s1")

    assert httpserver.log == []


# -- test_connection() ---------------------------------------------------------------------------------------------

VERIFY = f"{ACCOUNT_PATH}/tokens/verify"
USER_VERIFY = "/client/v4/user/tokens/verify"
PROBE = f"{APP_PATH}/livestreams"


def verified(status: str = "active") -> dict[str, Any]:
    return {
        "success": True,
        "errors": [],
        "messages": [{"code": 10000, "message": "This API Token is valid and active"}],
        "result": {"id": "f" * 32, "status": status},
    }


def paths(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log]


def test_test_connection_succeeds_when_token_account_and_app_are_good(httpserver, conn_id):
    httpserver.expect_request(VERIFY).respond_with_json(verified())
    httpserver.expect_request(PROBE).respond_with_json(json_body([{"id": "ls1"}]))

    ok, message = RealtimeKitHook(conn_id).test_connection()

    assert ok is True
    assert APP_ID in message
    assert paths(httpserver) == [VERIFY, PROBE]


def test_test_connection_falls_back_to_the_user_token_endpoint_on_401(httpserver, conn_id):
    httpserver.expect_request(VERIFY).respond_with_json(cf_error(1000, "Invalid API Token"), status=401)
    httpserver.expect_request(USER_VERIFY).respond_with_json(verified())
    httpserver.expect_request(PROBE).respond_with_json(json_body([]))

    ok, _ = RealtimeKitHook(conn_id).test_connection()

    assert ok is True
    assert paths(httpserver) == [VERIFY, USER_VERIFY, PROBE]


def test_test_connection_reports_a_bad_token(httpserver, conn_id):
    httpserver.expect_request(VERIFY).respond_with_json(cf_error(1000, "Invalid API Token"), status=401)
    httpserver.expect_request(USER_VERIFY).respond_with_json(cf_error(1000, "Invalid API Token"), status=401)

    ok, message = RealtimeKitHook(conn_id).test_connection()

    assert ok is False
    assert "Invalid API Token" in message
    assert "'Realtime'" in message
    assert paths(httpserver) == [VERIFY, USER_VERIFY]


@pytest.mark.parametrize("status", ["disabled", "expired"])
def test_test_connection_reports_a_disabled_or_expired_token(httpserver, conn_id, status):
    httpserver.expect_request(VERIFY).respond_with_json(verified(status))

    ok, message = RealtimeKitHook(conn_id).test_connection()

    assert ok is False
    assert f"token is {status}" in message
    assert paths(httpserver) == [VERIFY]


def test_test_connection_reports_a_wrong_account_id(httpserver, conn_id):
    httpserver.expect_request(VERIFY).respond_with_json(
        cf_error(7003, "Could not route to /accounts/x/tokens/verify, perhaps your object identifier is invalid?"),
        status=404,
    )

    ok, message = RealtimeKitHook(conn_id).test_connection()

    assert ok is False
    assert "account_id" in message


def test_test_connection_reports_a_wrong_app_id(httpserver, conn_id):
    httpserver.expect_request(VERIFY).respond_with_json(verified())
    httpserver.expect_request(PROBE).respond_with_json(cf_error(7003, "Could not route"), status=404)

    ok, message = RealtimeKitHook(conn_id).test_connection()

    assert ok is False
    assert "app_id" in message


def test_test_connection_reports_a_token_without_the_realtime_permission(httpserver, conn_id):
    httpserver.expect_request(VERIFY).respond_with_json(verified())
    httpserver.expect_request(PROBE).respond_with_json(rtk_error(403, "Forbidden"), status=403)

    ok, message = RealtimeKitHook(conn_id).test_connection()

    assert ok is False
    assert "'Realtime'" in message


def test_test_connection_reports_a_bad_connection_instead_of_raising(httpserver, make_conn):
    conn_id = make_conn(extra={"app_id": APP_ID})

    ok, message = RealtimeKitHook(conn_id).test_connection()

    assert ok is False
    assert "account_id" in message
    assert httpserver.log == []


def test_test_button_flow_reaches_the_hook_through_get_connection(httpserver, monkeypatch):
    # What the API server's POST /connections/test does: export the unsaved connection as a URI env var
    # under a transient id, then call Connection.test_connection(), which builds the hook by conn type.
    from airflow.models import Connection

    httpserver.expect_request(VERIFY).respond_with_json(verified())
    httpserver.expect_request(PROBE).respond_with_json(json_body([]))
    conn = Connection(
        conn_id="transient_rtk_test",
        conn_type="realtimekit",
        host=httpserver.url_for("/client/v4"),
        password=TOKEN,
        extra=json.dumps(IDS),
    )
    monkeypatch.setenv("AIRFLOW_CONN_TRANSIENT_RTK_TEST", conn.get_uri())

    ok, message = conn.test_connection()

    assert (ok, paths(httpserver)) == (True, [VERIFY, PROBE]), message


# -- the rate budget (issue #14.6) ---------------------------------------------------------------------------------


def test_rate_budget_extras_default_to_cloudflares_limit_and_a_tenth_reserved(make_conn):
    budget = RealtimeKitHook(make_conn()).settings.budget

    assert (budget.quota, budget.window, budget.reserve) == (1200, 300.0, 0.1)


def test_rate_budget_comes_from_the_connection_extras(make_conn):
    conn_id = make_conn(extra={**IDS, "rate_limit_quota": "600", "rate_limit_window": 60, "rate_limit_reserve": "0.25"})

    budget = RealtimeKitHook(conn_id).settings.budget

    assert (budget.quota, budget.window, budget.reserve) == (600, 60.0, 0.25)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("rate_limit_quota", 0, "integer >= 1"),
        ("rate_limit_quota", 12.5, "integer >= 1"),
        ("rate_limit_quota", "lots", "integer >= 1"),
        ("rate_limit_window", 0, "number > 0"),
        ("rate_limit_window", -300, "number >= 0"),
        ("rate_limit_window", "five minutes", "number >= 0"),
        ("rate_limit_reserve", -0.1, "number >= 0"),
        ("rate_limit_reserve", 1, "from 0 to less than 1"),
        ("rate_limit_reserve", 10, "0.1 keeps 10%"),
    ],
    ids=repr,
)
def test_rate_budget_extras_are_checked_with_a_message_naming_the_extra(make_conn, name, value, words):
    message = settings_error(make_conn(extra={**IDS, name: value}))

    assert name in message
    assert words in message
