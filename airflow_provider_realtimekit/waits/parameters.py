"""Checks of the parameters every wait takes, shared by the sensor and the trigger so both refuse the same
values with the same messages."""

from __future__ import annotations

import math
from datetime import timedelta

from airflow_provider_realtimekit.exceptions import RealtimeKitConfigError


def check_positive_seconds(name: str, value: object) -> None:
    """
    Refuse anything but a finite number of seconds above zero (a timedelta counts): 0 would poll without
    pause, as fast as the API answers.

    :param name: the parameter's name, for the message.
    :param value: the value to check.
    """
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 < seconds < math.inf:
        raise RealtimeKitConfigError(f"{name} must be a positive number of seconds, got {value!r}.")


def check_failure_count(name: str, value: object) -> None:
    """
    Refuse anything but an integer >= 0 (``max_consecutive_failures``, ``failures_so_far``).

    :param name: the parameter's name, for the message.
    :param value: the value to check.
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RealtimeKitConfigError(f"{name} must be an integer >= 0, got {value!r}.")


def check_max_consecutive_failures(value: object) -> None:
    """
    Refuse anything but an integer >= 0.

    :param value: the value to check.
    """
    check_failure_count("max_consecutive_failures", value)
