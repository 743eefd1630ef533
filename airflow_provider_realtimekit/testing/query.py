"""Query-string parsing with the API's 400 answers for invalid values."""

from __future__ import annotations

from airflow_provider_realtimekit.testing.clock import parse_timestamp


class InvalidQuery(ValueError):
    """A query parameter the API would reject with 400; the message is the error text."""


def query_int(query: dict[str, str], name: str, default: int) -> int:
    """Return an integer query parameter.

    :param query: the parsed query string.
    :param name: parameter name.
    :param default: value when the parameter is absent or empty.
    :raises InvalidQuery: when the value is not a whole number or is negative.
    """
    raw = query.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidQuery(f"{name} must be a number") from None
    if value < 0:
        raise InvalidQuery(f"{name} must be greater than or equal to 0")
    return value


def query_bool(query: dict[str, str], name: str, default: bool) -> bool:
    """Return a boolean query parameter (``true``/``false``, case-insensitive).

    :param query: the parsed query string.
    :param name: parameter name.
    :param default: value when the parameter is absent.
    :raises InvalidQuery: for any other value.
    """
    raw = query.get(name, "").lower()
    if raw == "":
        return default
    if raw not in ("true", "false"):
        raise InvalidQuery(f"{name} must be a boolean")
    return raw == "true"


def query_choice(query: dict[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    """Return an enum query parameter, or None when absent.

    :param query: the parsed query string.
    :param name: parameter name.
    :param choices: accepted values (case-sensitive, as the API's enums).
    :raises InvalidQuery: for a value outside ``choices``.
    """
    raw = query.get(name, "")
    if raw == "":
        return None
    if raw not in choices:
        raise InvalidQuery(f"{name} must be one of {', '.join(choices)}")
    return raw


def query_iso_time(query: dict[str, str], name: str) -> float | None:
    """Return an ISO-8601 query parameter as Unix seconds, or None when absent.

    :param query: the parsed query string.
    :param name: parameter name.
    :raises InvalidQuery: when the value is not ISO-8601.
    """
    raw = query.get(name, "")
    if raw == "":
        return None
    try:
        return parse_timestamp(raw)
    except ValueError:
        raise InvalidQuery(f"{name} must be an ISO-8601 date-time") from None


def query_analytics_time(query: dict[str, str], name: str, accepted: str) -> float | None:
    """Return an analytics time bound given as Unix seconds or ISO-8601, or None when absent.

    :param query: the parsed query string.
    :param name: parameter name.
    :param accepted: ``"both"``, ``"unix"`` or ``"iso"`` (see ``ShapeVariants.analytics_time_format``).
    :raises InvalidQuery: when the value is of a kind not accepted or unparsable.
    """
    raw = query.get(name, "")
    if raw == "":
        return None
    is_unix = raw.lstrip("-").isdigit()
    if is_unix and accepted in ("both", "unix"):
        return float(raw)
    if not is_unix and accepted in ("both", "iso"):
        try:
            return parse_timestamp(raw)
        except ValueError:
            pass
    expected = {"both": "Unix seconds or an ISO-8601 date-time", "unix": "Unix seconds (an integer)"}
    raise InvalidQuery(f"{name} must be {expected.get(accepted, 'an ISO-8601 date-time')}")
