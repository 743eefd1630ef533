"""Operators that fetch from RealtimeKit and return JSON for XCom."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_realtimekit.hooks import DEFAULT_CONN_ID

# The hook brings the HTTP protocol, which only a running task needs: a DAG file that declares the operator
# does not import it.
if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook


class RealtimeKitLivestreamSessionOperator(BaseOperator):
    """
    Fetches one livestream session and returns its payload (the API's ``data``, unchanged), which lands in
    XCom as ``return_value``: id, livestream_id, started_time, stopped_time, err_message,
    ingest_seconds, viewer_seconds, created_at, updated_at.

    :param session_id: the livestream session id. Templated.
    :param realtimekit_conn_id: the ``realtimekit`` connection. Templated.
    """

    template_fields: Sequence[str] = ("session_id", "realtimekit_conn_id")
    ui_color = "#f6821f"

    def __init__(self, *, session_id: str, realtimekit_conn_id: str = DEFAULT_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session_id = session_id
        self.realtimekit_conn_id = realtimekit_conn_id

    @cached_property
    def hook(self) -> RealtimeKitHook:
        from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

        return RealtimeKitHook(self.realtimekit_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        session = self.hook.get_livestream_session(self.session_id)
        self.log.info(
            "Livestream session %s: started %s, stopped %s",
            self.session_id,
            session.get("started_time"),
            session.get("stopped_time") or "(still live)",
        )
        return session
