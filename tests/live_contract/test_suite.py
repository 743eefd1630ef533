"""The live contract suite run against the emulator: what it checks, what it reports, and when it skips."""

from __future__ import annotations

import re

from tests.conftest import TOKEN
from tests.live_contract.conftest import run_command

PROVIDER_CHECKS = [
    "connection test",
    "L1 livestreams",
    "L1 status=LIVE filter",
    "L1 exclude_meetings",
    "L3 livestream",
    "L4 active session",
    "L5 session",
    "L5 session (async hook)",
    "L5 unknown session",
    "A1 analytics overall",
    "A2 analytics daywise",
]
OPEN_QUESTIONS = [
    "L1 list and paging shape",
    "page base",
    "largest per_page",
    "L3 sessions and paging shape",
    "404 form",
    "analytics time format",
    "token verify endpoints",
    "order and updated_at",
    "Ratelimit headers",
]
#: docs/live-contract.md says 21 requests on a typical app.
TYPICAL_REQUESTS = 21


def test_every_check_passes_against_the_emulator_defaults(app, run_suite):
    run = run_suite()

    assert run.exit_status == 0, run.stdout
    assert [c["name"] for c in run.report["checks"]] == PROVIDER_CHECKS + OPEN_QUESTIONS
    assert {c["name"]: c["outcome"] for c in run.report["checks"]} == dict.fromkeys(
        PROVIDER_CHECKS + OPEN_QUESTIONS, "PASS"
    )
    assert run.report["counts"] == {"PASS": 20, "DIFFERS": 0, "SKIPPED": 0, "FAIL": 0}


def test_the_table_has_one_line_per_check_and_a_summary(app, run_suite):
    run = run_suite()

    table = run.stdout[run.stdout.index("CHECK") :].splitlines()
    assert table[0].split() == ["CHECK", "RESULT", "DETAIL"]
    for name, line in zip(PROVIDER_CHECKS + OPEN_QUESTIONS, table[1:], strict=False):
        assert re.match(rf"{re.escape(name)}\s+PASS\s+\S", line), line
    assert "20 checks: 20 PASS; 21 requests sent (GET only)" in table[21]
    assert "report:" in table[22]


def test_it_sends_gets_only_and_few_of_them(app, run_suite, emulator):
    emulator.clear_requests()
    run = run_suite()

    sent = emulator.requests
    assert {record.method for record in sent} == {"GET"}
    assert len(sent) == run.report["requests_sent"] == TYPICAL_REQUESTS
    routes = {record.route for record in sent}
    # every endpoint the provider calls (the apps list is not one of them)
    assert routes == {
        "token_verify",
        "livestreams",
        "livestream",
        "active_livestream_session",
        "livestream_session",
        "analytics_overall",
        "analytics_daywise",
    }


def test_findings_settle_the_open_questions(app, run_suite):
    findings = run_suite().findings

    assert findings["livestream_list"]["items_at"] == "data (array)"
    assert findings["livestream_list"]["paging_at"] == "top"
    assert findings["livestream_list"]["paging_shape"] == {
        "total_count": "integer",
        "start_offset": "integer",
        "end_offset": "integer",
    }
    assert findings["page_base"]["first_page"] == 1
    assert findings["page_base"]["page_no_0"] == "same items as page 1"
    assert findings["status_live_filters"] is True
    assert findings["not_found"]["status"] == 404
    assert findings["not_found"]["envelope"] == "realtimekit error"
    assert "{id}" in findings["not_found"]["message"]
    assert findings["analytics_time_format"]["accepted"] == ["unix", "iso"]
    assert findings["ratelimit_headers"]["ratelimit"] == '"default";r=<int>;t=<int>'
    assert findings["ratelimit_headers"]["policies"] == [{"name": "default", "q": 1200, "w": 300}]
    assert findings["livestream_with_sessions"]["items_at"] == "data.sessions (array)"
    assert findings["session_field_types"]["stopped_time"] in ("null", "string(iso-datetime-ms-z)")
    assert findings["analytics_daywise_date_format"] != []
    assert findings["livestream_list_order"] == "newest first"
    assert findings["livestream_sessions_order"] == "newest first"
    assert findings["updated_at_follows_session_stop"] is True
    assert findings["exclude_meetings_filters"] is None  # no meeting livestream in this app
    assert findings["token_verify_endpoint"] == "account"
    assert findings["token_verify"]["account"]["status"] == 200
    assert findings["token_verify"]["account"]["body_shape"]["result"]["status"] == "string"


def test_a_user_owned_token_is_verified_on_the_user_endpoint(run_suite):
    from airflow_provider_realtimekit.testing import RealtimeKitEmulator

    with RealtimeKitEmulator(token=TOKEN, token_owner="user") as user_tokens:
        run = run_suite(REALTIMEKIT_BASE_URL=user_tokens.base_url)

    assert run.exit_status == 0, run.stdout
    assert run.check("connection test")["observed"] == {"token_verified_on": "user", "requests": 3}
    assert run.findings["token_verify"]["user"]["status"] == 200
    assert run.findings["token_verify"]["account"]["status"] in (401, 403)


def test_the_report_describes_shapes_and_holds_no_values(app, run_suite):
    run = run_suite()

    l5 = run.check("L5 session")["observed"]
    assert l5["data_shape"]["started_time"] == "string(iso-datetime-ms-z)"
    assert l5["data_shape"]["id"] == "string(uuid)"
    assert l5["sensor_reads_it_as"] in ("live", "stopped")
    livestream_shape = run.check("L1 livestreams")["observed"]["item_shape"]
    assert livestream_shape["stream_key"] == "string(secret)"
    for livestream in app["livestreams"]:
        assert livestream["id"] not in run.report_text
        assert livestream["name"] not in run.report_text
        assert livestream["created_at"] not in run.report_text
    for session in app["sessions"]:
        assert session["id"] not in run.report_text
        assert session["started_time"] not in run.report_text


def test_a_session_id_from_the_environment_is_read(app, run_suite):
    finished = app["sessions"][0]
    run = run_suite(REALTIMEKIT_SESSION_ID=finished["id"])

    observed = run.check("L5 session")["observed"]
    assert observed["session_from"] == "REALTIMEKIT_SESSION_ID"
    assert observed["sensor_reads_it_as"] == "stopped"


def test_an_empty_app_skips_what_needs_a_livestream_and_still_passes(run_suite):
    run = run_suite()

    assert run.exit_status == 0
    assert run.outcome("L1 livestreams") == "PASS"
    skipped = ("L3 livestream", "L4 active session", "L5 session", "L5 session (async hook)", "page base")
    for name in (*skipped, "L3 sessions and paging shape", "order and updated_at"):
        assert run.outcome(name) == "SKIPPED", name
    assert "REALTIMEKIT_SESSION_ID" in run.check("L5 session")["detail"]


def test_a_failing_provider_call_fails_the_run(app, run_suite):
    run = run_suite(REALTIMEKIT_API_TOKEN="rtk-not-the-right-token-Qw7")

    assert run.exit_status == 1
    assert run.outcome("connection test") == "FAIL"
    assert run.outcome("L1 livestreams") == "FAIL"
    assert run.check("L1 livestreams")["detail"] == "RealtimeKitAuthError"
    assert "rtk-not-the-right-token-Qw7" not in run.stdout + run.report_text
    assert re.search(r"L1 livestreams\s+FAIL", run.stdout)


def test_a_malformed_id_exits_2_before_sending_anything(run_suite, emulator):
    run = run_suite(REALTIMEKIT_ACCOUNT_ID="../other-account")

    assert run.exit_status == 2
    assert "account_id" in run.stderr
    assert run.report_text == ""
    assert emulator.requests == []


def test_without_credentials_it_prints_one_line_and_exits_0(tmp_path):
    done = run_command({}, tmp_path)

    assert done.returncode == 0
    assert done.stdout.count("\n") == 1
    assert done.stdout.startswith("live contract suite skipped: REALTIMEKIT_API_TOKEN, REALTIMEKIT_ACCOUNT_ID and ")
    assert done.stderr == ""
    assert not (tmp_path / "report.json").exists()


def test_the_skip_line_names_the_one_variable_missing(tmp_path):
    done = run_command({"REALTIMEKIT_API_TOKEN": "x" * 40, "REALTIMEKIT_ACCOUNT_ID": "a" * 32}, tmp_path)

    assert done.returncode == 0
    assert done.stdout.startswith("live contract suite skipped: REALTIMEKIT_APP_ID is not set (set ")
    assert "x" * 40 not in done.stdout


def test_the_docs_show_the_skip_line_as_printed():
    from scripts.live_contract.cli import skip_line
    from tests.conftest import REPO

    assert skip_line(["REALTIMEKIT_API_TOKEN"]) + "\n" in (REPO / "docs" / "live-contract.md").read_text()


def test_the_docs_show_a_table_with_every_check():
    from tests.conftest import REPO

    docs = (REPO / "docs" / "live-contract.md").read_text()
    for name in PROVIDER_CHECKS + OPEN_QUESTIONS:
        assert re.search(rf"^{re.escape(name)}\s+PASS\s", docs, re.M), name
    assert f"{len(PROVIDER_CHECKS + OPEN_QUESTIONS)} checks" in docs
    assert f"{TYPICAL_REQUESTS} requests on a typical app" in docs
