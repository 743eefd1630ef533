"""Every import that differs between supported Airflow 3.x releases, in one place.

Airflow 3.0 kept several exceptions in core (``airflow.exceptions``); later releases moved them to the
Task SDK (``airflow.sdk.exceptions``) and made the old path warn. The rest of the package imports them
from here only.
"""

from __future__ import annotations

try:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )
except ImportError:  # Airflow 3.0: the Task SDK does not define them yet
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined]
        AirflowException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )

__all__ = ["AirflowException", "AirflowSensorTimeout", "AirflowSkipException", "TaskDeferred"]
