"""The API's own analytics totals for a usage window, compared with the pulled rows (a warning, never fatal)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_realtimekit.operators.usage.totals import UsageTotals
from airflow_provider_realtimekit.operators.usage.window import UsageWindow

if TYPE_CHECKING:
    from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook


def compare_analytics(hook: RealtimeKitHook, window: UsageWindow, totals: UsageTotals, logger: Any) -> dict[str, Any]:
    """
    Fetch the analytics of ``window``, warn when they disagree with ``totals``, and return them.

    :param hook: the hook to call the API with.
    :param window: the window.
    :param totals: the totals of the rows written.
    :param logger: where the warning goes.
    """
    raw = hook.get_livestream_analytics(window.start, window.end)
    count = _analytics_number(raw, "count")
    analytics = {
        "count": None if count is None else round(count),
        "total_ingest_seconds": _analytics_number(raw, "total_ingest_seconds"),
        "total_viewer_seconds": _analytics_number(raw, "total_viewer_seconds"),
    }
    ours: dict[str, float] = {
        "count": totals.rows,
        "total_ingest_seconds": totals.total_ingest_seconds,
        "total_viewer_seconds": totals.total_viewer_seconds,
    }
    differences = [
        f"{name}: API {_shown(theirs)} vs rows {_shown(ours[name])}"
        for name, theirs in analytics.items()
        if theirs is None or not _close(theirs, ours[name])
    ]
    if differences:
        logger.warning(
            "RealtimeKit analytics disagree with the pulled rows for %s (%s). The analytics endpoint may "
            "place sessions in the window differently (by start, by stop, by day) or count live sessions "
            "differently; the rows are computed from the sessions themselves.",
            window.describe(),
            "; ".join(differences),
        )
    return analytics


def _shown(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f}".rstrip("0").rstrip(".")


def _analytics_number(raw: Mapping[str, Any], name: str) -> float | None:
    value = raw.get(name) if isinstance(raw, Mapping) else None
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _close(theirs: float, ours: float) -> bool:
    # The API may round per session or per total: a second of slack, or a millionth of the figure.
    return abs(theirs - ours) <= max(1.0, 1e-6 * max(abs(theirs), abs(ours)))
