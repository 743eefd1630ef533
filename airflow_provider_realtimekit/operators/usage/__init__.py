"""The livestream usage pull: :class:`RealtimeKitLivestreamUsageOperator` and the parts it is made of.

- :mod:`.window`: the half-open window and how a run's data interval becomes one;
- :mod:`.rows`: one API session turned into a usage row (``USAGE_COLUMNS``);
- :mod:`.totals`: the running totals and their log line;
- :mod:`.writers`: JSON Lines and CSV over a chunked text stream;
- :mod:`.staging`: the destination check and the atomic move into place;
- :mod:`.analytics`: the API's own totals, compared with the rows;
- :mod:`.pull`: :func:`pull_livestream_usage`, the loop that ties them together;
- :mod:`.operator`: the operator, which resolves the window and the connection and calls the pull.

Names are imported on first use (module ``__getattr__``), so a DAG file that imports the operator does not
pay for the pull, the hook or the HTTP protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_realtimekit._lazy import lazy_exports

if TYPE_CHECKING:
    from airflow_provider_realtimekit.operators.usage.operator import RealtimeKitLivestreamUsageOperator
    from airflow_provider_realtimekit.operators.usage.pull import pull_livestream_usage
    from airflow_provider_realtimekit.operators.usage.rows import USAGE_COLUMNS, usage_row
    from airflow_provider_realtimekit.operators.usage.totals import UsageTotals
    from airflow_provider_realtimekit.operators.usage.window import UsageWindow, resolve_window

#: Where each public name lives, relative to this package.
_HOMES = {
    "RealtimeKitLivestreamUsageOperator": ".operator",
    "pull_livestream_usage": ".pull",
    "USAGE_COLUMNS": ".rows",
    "usage_row": ".rows",
    "UsageTotals": ".totals",
    "UsageWindow": ".window",
    "resolve_window": ".window",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())


__all__ = [
    "USAGE_COLUMNS",
    "RealtimeKitLivestreamUsageOperator",
    "UsageTotals",
    "UsageWindow",
    "pull_livestream_usage",
    "resolve_window",
    "usage_row",
]
