"""An authenticated keep-alive HTTP client for one emulator, shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import requests

from airflow_provider_realtimekit.testing import RealtimeKitEmulator

#: A distinctive token, so leak checks can search for it.
TOKEN = "emu-test-token-Hq2Lr9Xc"


class EmulatorClient:
    """A keep-alive ``requests`` client for one emulator, with the bearer token set.

    :param emulator: the running emulator.
    :param token: the bearer token to send, or None to send no Authorization header.
    """

    def __init__(self, emulator: RealtimeKitEmulator, token: str | None = TOKEN) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def app_get(self, path: str, **params: Any) -> requests.Response:
        """GET a path under ``/accounts/{account_id}/realtime/kit/{app_id}``.

        :param path: for example ``/livestreams``.
        :param params: query parameters.
        """
        return self.session.get(self.emulator.app_url + path, params=params, timeout=5)

    def get(self, path: str, **params: Any) -> requests.Response:
        """GET a path under ``/client/v4``.

        :param path: for example ``/user/tokens/verify``.
        :param params: query parameters.
        """
        return self.session.get(self.emulator.base_url + path, params=params, timeout=5)

    def session_data(self, session_id: str) -> dict[str, Any]:
        """GET the seed endpoint and return ``data``, asserting a 200.

        :param session_id: the livestream session id.
        """
        response = self.app_get(f"/livestreams/sessions/{session_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data
