"""The Airflow connection that points at a running emulator, as a dict, JSON, a URI or environment variables."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from airflow_provider_realtimekit.testing.lifecycle import EmulatorLifecycle
from airflow_provider_realtimekit.testing.routes import API_PREFIX

if TYPE_CHECKING:
    from airflow_provider_realtimekit.testing.auth import TokenPolicy

DEFAULT_CONN_ID = "realtimekit_default"


class ConnectionHelpers(EmulatorLifecycle):
    """Mixin of :class:`~.emulator.RealtimeKitEmulator`: the connection to use in tests and subprocesses
    (it extends the lifecycle mixin, whose URLs it names).
    """

    tokens: TokenPolicy

    def connection(self) -> dict[str, Any]:
        """Return the Airflow connection as a dict (``conn_type``, ``host``, ``password``, ``extra``)."""
        return {
            "conn_type": "realtimekit",
            "host": self.base_url,
            "password": self.tokens.token,
            "extra": {"account_id": self.account_id, "app_id": self.app_id},
        }

    def connection_json(self) -> str:
        """Return the connection as JSON, the value for an ``AIRFLOW_CONN_<ID>`` environment variable."""
        return json.dumps(self.connection())

    def connection_uri(self) -> str:
        """Return the connection in Airflow's URI format (``host`` keeps the ``http://`` base URL)."""
        authority = ":" + quote(self.tokens.token, safe="")
        host = quote(f"{self.host}:{self.port}{API_PREFIX}", safe="")
        extra = urlencode({"account_id": self.account_id, "app_id": self.app_id})
        return f"realtimekit://http://{authority}@{host}/?{extra}"

    def connection_env(self, conn_id: str = DEFAULT_CONN_ID) -> dict[str, str]:
        """Return ``{"AIRFLOW_CONN_<CONN_ID>": <connection JSON>}`` for ``monkeypatch.setenv`` or subprocesses.

        :param conn_id: the Airflow connection id.
        """
        return {f"AIRFLOW_CONN_{conn_id.upper()}": self.connection_json()}
