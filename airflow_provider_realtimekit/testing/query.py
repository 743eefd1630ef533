"""Query-string parsing; an invalid value raises :class:`InvalidQuery`, which the app turns into the API's answer.

Parameters the definition types (integers, booleans, enums, date-times) answer 422 when a value does not
fit, as Cloudflare's validation in front of RealtimeKit does; the analytics time bounds, whose format is
uncertain [U], answer RealtimeKit's own 400 (clients retry them in the other format).
"""

from __future__ import annotations

from airflow_provider_realtimekit.testing.clock import parse_timestamp


class InvalidQuery(ValueError):
    """A query parameter the API would reject; the message is the error text.

    :param message: the error text.
    :param parameter: the offending parameter's name.
    :param rule: what the definition requires (``"enum"``, ``"integer"``, ``"minimum"``, ``"boolean"``,
        ``"date-time"``), shown in the problem+json form.
    :param status: 422 (a definition type or enum) or 400 (RealtimeKit's own check).
    """

    def __init__(self, message: str, *, parameter: str, rule: str, status: int = 422) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.rule = rule
        self.status = status


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
        raise InvalidQuery(f"{name} must be a number", parameter=name, rule="integer") from None
    if value < 0:
        raise InvalidQuery(f"{name} must be greater than or equal to 0", parameter=name, rule="minimum")
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
        raise InvalidQuery(f"{name} must be a boolean", parameter=name, rule="boolean")
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
        raise InvalidQuery(f"{name} must be one of {', '.join(choices)}", parameter=name, rule="enum")
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
        raise InvalidQuery(f"{name} must be an ISO-8601 date-time", parameter=name, rule="date-time") from None


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
    message = f"{name} must be {expected.get(accepted, 'an ISO-8601 date-time')}"
    raise InvalidQuery(message, parameter=name, rule="format", status=400)
