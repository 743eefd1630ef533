"""The suite under every response-shape variant the emulator offers: the provider copes with each (no FAIL),
and where a variant is the answer to an open question, the suite reports that answer as DIFFERS."""

from __future__ import annotations

import typing

import pytest

from airflow_provider_realtimekit.testing import ShapeVariants


def variant_values() -> list[tuple[str, object]]:
    """Every (variant, value) pair with a closed set of values, read from ShapeVariants' type hints, so
    variants the emulator gains later are covered too."""
    pairs = []
    for name, hint in typing.get_type_hints(ShapeVariants).items():
        if typing.get_origin(hint) is typing.Literal:
            pairs += [(name, value) for value in typing.get_args(hint) if value != getattr(ShapeVariants(), name)]
    return pairs


@pytest.mark.parametrize(("variant", "value"), variant_values(), ids=str)
def test_no_provider_call_fails_under_any_variant(app, run_suite, emulator, variant, value):
    emulator.set_variants(**{variant: value})

    run = run_suite()

    assert run.exit_status == 0, run.stdout
    assert run.report["counts"]["FAIL"] == 0


def test_the_list_in_an_object_is_reported(app, run_suite, emulator):
    emulator.set_variants(list_shape="object")

    run = run_suite()

    assert run.outcome("L1 list and paging shape") == "DIFFERS"
    assert run.findings["livestream_list"]["items_at"] == "data.livestreams (array)"
    assert run.outcome("L1 livestreams") == "PASS"


@pytest.mark.parametrize(("where", "expected"), [("data", "data"), ("none", "none")])
def test_where_paging_sits_is_reported(app, run_suite, emulator, where, expected):
    emulator.set_variants(paging_location=where)

    run = run_suite()

    assert run.outcome("L1 list and paging shape") == "DIFFERS"
    assert run.findings["livestream_list"]["paging_at"] == expected
    assert run.findings["livestream_with_sessions"]["paging_at"] == expected


@pytest.mark.parametrize(
    ("shape", "envelope"), [("null_data", "success with data null"), ("empty_data", "success with data {}")]
)
def test_a_not_found_in_a_200_is_reported_and_still_read_as_not_found(app, run_suite, emulator, shape, envelope):
    emulator.set_variants(not_found=shape)

    run = run_suite()

    assert run.outcome("404 form") == "DIFFERS"
    assert run.findings["not_found"]["status"] == 200
    assert run.findings["not_found"]["envelope"] == envelope
    assert run.outcome("L5 unknown session") == "PASS"


def test_pages_counted_from_zero_are_reported(app, run_suite, emulator):
    emulator.set_variants(page_base=0)

    run = run_suite()

    assert run.outcome("page base") == "DIFFERS"
    assert run.findings["page_base"]["first_page"] == 0


def test_pages_counted_from_zero_are_told_apart_without_paging(app, run_suite, emulator):
    emulator.set_variants(page_base=0, paging_location="none")

    assert run_suite().findings["page_base"]["first_page"] == 0


def test_pages_counted_from_one_are_told_apart_without_paging(app, run_suite, emulator):
    emulator.set_variants(paging_location="none")

    assert run_suite().findings["page_base"]["first_page"] == 1


def test_a_small_largest_page_is_reported(app, run_suite, emulator):
    emulator.set_variants(per_page_max=2)

    run = run_suite()

    assert run.outcome("largest per_page") == "DIFFERS"
    assert run.findings["per_page"] == {"asked": 1000, "returned": 2, "largest": 2}
    assert run.report["counts"]["FAIL"] == 0


@pytest.mark.parametrize(("accepted", "outcome"), [("unix", "PASS"), ("iso", "DIFFERS")])
def test_the_analytics_time_format_is_reported(app, run_suite, emulator, accepted, outcome):
    emulator.set_variants(analytics_time_format=accepted)

    run = run_suite()

    assert run.outcome("analytics time format") == outcome
    assert run.findings["analytics_time_format"]["accepted"] == [accepted]
    assert run.outcome("A1 analytics overall") == "PASS"
    assert run.check("A1 analytics overall")["observed"]["requests"] == (2 if accepted == "iso" else 1)


def test_missing_rate_limit_headers_are_reported(app, run_suite, emulator):
    emulator.set_rate_limit(None)

    run = run_suite()

    assert run.outcome("Ratelimit headers") == "DIFFERS"
    assert run.findings["ratelimit_headers"]["present_on"] == 0


def test_a_missing_stopped_time_is_reported(app, run_suite, emulator):
    emulator.set_variants(stopped_time_when_live="missing")

    run = run_suite()

    # the session the suite finds first is the live one (through L3 of the LIVE livestream)
    assert run.outcome("L5 session") == "DIFFERS"
    assert "stopped_time" in run.check("L5 session")["detail"]
    assert run.check("L5 session")["observed"]["sensor_reads_it_as"] == "live"


def test_the_largest_page_is_probed_on_the_first_page_when_pages_count_from_zero(app, run_suite, emulator):
    emulator.set_variants(page_base=0, per_page_max=2)

    run = run_suite()

    assert run.findings["page_base"]["first_page"] == 0
    assert run.findings["per_page"]["largest"] == 2  # page_no=1 would be the second page, with the third item only


def test_the_schemas_single_session_form_is_reported(app, run_suite, emulator):
    emulator.set_variants(list_shape="object")

    run = run_suite()

    assert run.findings["livestream_with_sessions"]["items_at"] == "data.session (one object)"
    assert run.outcome("L3 sessions and paging shape") == "DIFFERS"
    assert run.outcome("L3 livestream") == "PASS"


def test_the_definitions_one_livestream_per_page_form_stays_within_budget(app, run_suite, emulator):
    emulator.set_variants(list_shape="definition", livestream_sessions="definition")
    for number in range(12):
        emulator.add_session(emulator.add_livestream(name=f"extra-{number}")["id"])

    run = run_suite()

    assert run.report["counts"]["FAIL"] == 0
    assert run.report["requests_sent"] <= 30  # docs/live-contract.md: "stays at 30 or below"
    assert run.findings["livestream_list"]["items_at"] == "data (one object)"
    assert run.findings["livestream_list"]["paging_at"] == "data"
    assert run.findings["livestream_with_sessions"]["items_at"] == "data.session (one object)"
    assert run.findings["per_page"]["largest"] == 1


@pytest.mark.parametrize(("disabled", "shape"), [("boolean", "boolean"), ("string", "string(boolean)")])
def test_the_type_of_disabled_is_reported(app, run_suite, emulator, disabled, shape):
    emulator.set_variants(disabled=disabled)

    assert run_suite().findings["livestream_field_types"]["disabled"] == shape


@pytest.mark.parametrize(("numbers", "shape"), [("int", "integer"), ("string", "string(number)")])
def test_the_type_of_viewer_seconds_is_reported(app, run_suite, emulator, numbers, shape):
    emulator.set_variants(numbers=numbers)

    run = run_suite(REALTIMEKIT_SESSION_ID=app["sessions"][0]["id"])

    assert run.findings["session_field_types"]["viewer_seconds"] == shape
