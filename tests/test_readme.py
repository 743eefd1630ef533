"""The README and the docs/*.md pages stay true: their make targets, paths, relative links, connection
examples and every Python snippet are checked, page by page.

Each ```python block in a page is preceded by a marker naming where it comes from:

- ``<!-- snippet: path#region -->``: the block equals the region between ``# [START region]`` and
  ``# [END region]`` in that file (dedented), as in Airflow's own docs;
- ``<!-- snippet: path -->``: the block appears verbatim (dedented) as consecutive lines of that file.

Every source file is exercised by tests (the example DAGs run in tests/test_example_dags.py; the regions
below run here), so no snippet is untested.
"""

# The howto_trigger region is a complete module excerpt, imports included, so it imports mid-file.
# ruff: noqa: E402

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from airflow_provider_realtimekit.testing import Polls
from tests.conftest import REPO

README = REPO / "README.md"
#: Every page checked: the front page and the reference pages it links to.
PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
SNIPPET_MARKER = re.compile(
    r"<!-- snippet: (?P<path>[^#\s]+)(?:#(?P<region>[\w-]+))? -->\s*\n```python\n(?P<code>.*?)```", re.S
)
PYTHON_BLOCK = re.compile(r"^```python$", re.M)
#: ``[text](target)``; the target has no spaces. Searched with code blocks and code spans removed.
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6} (.+?)\s*#*$", re.M)
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
#: Paths the README names that exist only after a command has run (all git-ignored).
CREATED_BY_COMMANDS = {".venv", ".venv-oldest", ".airflow", ".airflow/demo", ".airflow/demo-watcher"}


def readme() -> str:
    return README.read_text()


def all_pages() -> str:
    return "\n".join(page.read_text() for page in PAGES)


def page_id(page: Path) -> str:
    return str(page.relative_to(REPO))


def region(path: Path, name: str) -> str:
    text = path.read_text()
    match = re.search(
        rf"^[ \t]*# \[START {re.escape(name)}\]\n(.*?)^[ \t]*# \[END {re.escape(name)}\]", text, re.S | re.M
    )
    assert match, f"{path.relative_to(REPO)} has no region {name!r}"
    return textwrap.dedent(match.group(1)).rstrip("\n") + "\n"


def contains_lines(path: Path, snippet: str) -> bool:
    wanted = snippet.rstrip("\n").split("\n")
    lines = path.read_text().split("\n")
    return any(
        textwrap.dedent("\n".join(lines[i : i + len(wanted)])) == "\n".join(wanted)
        for i in range(len(lines) - len(wanted) + 1)
    )


def snippets(page: Path = README) -> list[tuple[str, str | None, str]]:
    return [(m["path"], m["region"], m["code"]) for m in SNIPPET_MARKER.finditer(page.read_text())]


def all_snippets() -> list[tuple[str, str, str | None, str]]:
    return [(page_id(page), *snippet) for page in PAGES for snippet in snippets(page)]


def test_docs_pages_exist():
    names = {page.name for page in PAGES}
    assert {"connection.md", "hook.md", "operators.md", "sensor-and-trigger.md", "usage-pulls.md"} <= names
    assert {"example-dags.md", "rate-limits.md", "emulator.md", "errors.md", "reliability.md"} <= names
    assert "development.md" in names


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_python_block_names_its_tested_source(page):
    assert len(PYTHON_BLOCK.findall(page.read_text())) == len(snippets(page))
    if page == README:
        assert snippets(page), "the README shows no example"


@pytest.mark.parametrize("page", PAGES[1:], ids=page_id)
def test_every_docs_page_has_a_title_and_links_back(page):
    first, _, third = page.read_text().split("\n")[:3]
    assert first.startswith("# "), f"{page_id(page)} must start with a one-line title"
    assert third == "[Back to the README](../README.md)"


@pytest.mark.parametrize(("page", "path", "region_name", "code"), all_snippets(), ids=lambda v: str(v)[:40])
def test_snippet_matches_its_source(page, path, region_name, code):
    source = REPO / path
    assert source.is_file(), path
    if region_name:
        assert code == region(source, region_name)
    else:
        assert contains_lines(source, code), f"the snippet is not verbatim in {path}:\n{code}"


def test_every_make_target_named_exists():
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", makefile, re.M))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", all_pages()))

    assert re.search(r"\bmake (demo|test)\b", readme()), "the README names no make target"
    assert named <= targets, f"not in the Makefile: {sorted(named - targets)}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_path_named_exists(page):
    """Paths in code spans are relative to the repository root, on every page."""
    named = {
        word.rstrip("/")
        for code in re.findall(r"`([^`\n]+)`", page.read_text())
        for word in code.split()
        if _looks_like_repo_path(word)
    }

    if page == README:
        assert {"example_dags/realtimekit_post_stream.py", "scripts/demo.py"} <= named
    missing = sorted(p for p in named - CREATED_BY_COMMANDS if not (REPO / p).exists())
    assert missing == []


def _looks_like_repo_path(token: str) -> bool:
    """Relative paths such as `scripts/demo.py`, `.venv` or `README.md`; not URLs, options or placeholders."""
    if any(c in token for c in ":<>{}*$=()'\"@,%") or token.startswith(("/", "-", "~")):
        return False
    return "/" in token or token.startswith(".") or bool(re.fullmatch(r"[\w.-]+\.(py|toml|md)", token))


def test_connection_examples_parse_into_client_settings():
    """Every `AIRFLOW_CONN_REALTIMEKIT_DEFAULT=...` example, on any page, reads as the fields the docs say it holds."""
    from airflow.sdk import Connection

    from airflow_provider_realtimekit.api.settings import DEFAULT_BASE_URL, ClientSettings

    values = re.findall(r"AIRFLOW_CONN_REALTIMEKIT_DEFAULT='([^']+)'", all_pages())
    assert re.search(r"AIRFLOW_CONN_REALTIMEKIT_DEFAULT='\{", readme()), "the README shows the JSON form"
    assert len(set(values)) >= 3  # the JSON form, the URI form, and a URI with another server
    for value in values:
        if value.startswith("{"):
            fields = json.loads(value)
            conn = Connection(conn_id="realtimekit_default", **{**fields, "extra": json.dumps(fields["extra"])})
        elif hasattr(Connection, "from_uri"):
            conn = Connection.from_uri(value, conn_id="realtimekit_default")
        else:  # Airflow 3.0: only the core class parses URIs
            from airflow.models.connection import Connection as CoreConnection

            conn = CoreConnection(conn_id="realtimekit_default", uri=value)
        settings = ClientSettings.from_connection(conn)
        local = "http://127.0.0.1:8787/client/v4"
        assert settings.base_url == (local if "127.0.0.1" in value else DEFAULT_BASE_URL)
        assert settings.token == "YOUR_API_TOKEN"
        assert (settings.app.account_id, settings.app.app_id) == ("0123456789abcdef0123456789abcdef", "your-app-id")


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_points_at_a_file_and_heading(page):
    broken = []
    for target in LINK.findall(CODE_SPAN.sub("", FENCE.sub("", page.read_text()))):
        if re.match(r"[a-z][\w+.-]*:", target):  # https:, mailto: ...
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no file {path}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.name}")
    assert broken == [], f"{page_id(page)} has broken links"


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    seen: dict[str, int] = {}
    result = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text())):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def test_anchors_follow_github_rules():
    assert {"hook-realtimekithook", "rate-limits-and-retries", "two-commands"} <= anchors(README) | anchors(
        REPO / "docs" / "hook.md"
    ) | anchors(REPO / "docs" / "rate-limits.md")


# -- snippets that run here --------------------------------------------------------------------------------


def test_hook_snippet(emulator, realtimekit_conn, capsys):
    livestream = emulator.add_livestream(name="studio-a")
    session_id = emulator.add_session(livestream["id"], stops_after=Polls(0))["id"]
    emulator.add_session(emulator.add_livestream(name="studio-b")["id"])  # live

    # [START howto_hook]
    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

    with RealtimeKitHook(realtimekit_conn_id="realtimekit_default") as hook:
        session = hook.get_livestream_session(session_id)
        print(session["started_time"], session["stopped_time"], session["viewer_seconds"])
        for livestream in hook.iter_livestreams(status="LIVE"):
            print(livestream["id"], livestream["name"])
    # [END howto_hook]

    printed = capsys.readouterr().out
    assert session == emulator.session(session_id)
    assert "studio-b" in printed and "studio-a" not in printed


def test_operator_snippet(emulator, realtimekit_conn):
    session = emulator.add_session(emulator.add_livestream()["id"], stops_after=Polls(0))

    # [START howto_operator]
    from airflow_provider_realtimekit.operators.realtimekit import RealtimeKitLivestreamSessionOperator

    fetch_session = RealtimeKitLivestreamSessionOperator(
        task_id="fetch_session",
        session_id="{{ params.session_id }}",
        realtimekit_conn_id="realtimekit_default",
    )
    # [END howto_operator]

    assert fetch_session.template_fields == ("session_id", "realtimekit_conn_id")
    fetch_session.session_id = session["id"]  # what the template renders to in a run
    assert fetch_session.execute(context={}) == emulator.session(session["id"])  # type: ignore[arg-type]


# [START howto_trigger]
import time
from typing import Any

from airflow.sdk import BaseOperator

from airflow_provider_realtimekit.exceptions import RealtimeKitError
from airflow_provider_realtimekit.triggers.realtimekit import RealtimeKitLivestreamSessionTrigger


class WaitForStreamEndOperator(BaseOperator):
    """Defers until a livestream session has stopped; returns its final payload."""

    template_fields = ("session_id",)

    def __init__(self, *, session_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session_id = session_id

    def execute(self, context: Any) -> None:
        self.defer(
            trigger=RealtimeKitLivestreamSessionTrigger(
                session_id=self.session_id,
                realtimekit_conn_id="realtimekit_default",
                poll_interval=30,
                deadline=time.time() + 6 * 3600,
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        if event["status"] != "success":  # stream_error, not_found, failed or timeout
            raise RealtimeKitError(event.get("message") or f"Stream wait ended with {event['status']}")
        return event["session"]


# [END howto_trigger]


async def test_trigger_snippet(emulator, realtimekit_conn):
    from airflow_provider_realtimekit._compat import TaskDeferred

    session = emulator.add_session(emulator.add_livestream()["id"], stops_after=Polls(0))
    operator = WaitForStreamEndOperator(task_id="wait", session_id=session["id"])

    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context={})
    events = deferred.value.trigger.run()
    event = await events.__anext__()
    await events.aclose()

    assert operator.execute_complete({}, event.payload) == emulator.session(session["id"])
    with pytest.raises(RealtimeKitError, match=r"not_found|no-such"):
        operator.execute_complete({}, {"status": "not_found", "session_id": "no-such"})
