"""How messages name a connection: by its id, or as "the connection being tested" when Airflow made the id up.

Airflow's Test button (``POST /connections/test``, Airflow 3.1 to 3.3) copies the form into a connection
with a random id of 8 letters and digits (``airflow.utils.strings.get_random_string()``), exports it as
``AIRFLOW_CONN_<ID>`` and calls the hook's ``test_connection()``. A message such as "Connection
'UxuTQiXI' has no app_id" then names an id the user never saw. Within ``test_connection()``, an id of that
form defined by such an environment variable is described instead; anywhere else the id is always named.
"""

from __future__ import annotations

import os
import re

#: The connection type's name, as the form shows it.
CONNECTION_TYPE_NAME = "Cloudflare RealtimeKit"
_MADE_UP_ID = re.compile(r"[A-Za-z0-9]{8}")


def describe_connection(conn_id: str | None, *, testing: bool = False) -> str:
    """
    How a message names a connection, in lower case: ``connection 'realtimekit_default'``, or ``the
    Cloudflare RealtimeKit connection being tested`` for an id the Test button made up.

    :param conn_id: the connection id.
    :param testing: True inside the hook's ``test_connection()``.
    """
    if testing and is_made_up_by_test_button(conn_id):
        return f"the {CONNECTION_TYPE_NAME} connection being tested"
    return f"connection {conn_id or '<unnamed>'!r}"


def is_made_up_by_test_button(conn_id: str | None) -> bool:
    """
    Whether ``conn_id`` has the form of the Test button's temporary id and is defined the way it defines it.

    :param conn_id: the connection id.
    """
    return (
        conn_id is not None
        and _MADE_UP_ID.fullmatch(conn_id) is not None
        and f"AIRFLOW_CONN_{conn_id.upper()}" in os.environ
    )


def capitalized(text: str) -> str:
    """``text`` with its first letter in upper case, for a description that opens a sentence."""
    return text[:1].upper() + text[1:]
