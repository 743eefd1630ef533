"""Response-shape variants: the places where the RealtimeKit API notes are uncertain ([U]).

Switch them at runtime (``emu.variants.paging_location = "data"`` or ``emu.set_variants(...)``) to check
that a client tolerates every shape the real API might use. Defaults are the shapes believed to be real.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

ListShape = Literal["array", "object"]
PagingLocation = Literal["top", "data", "none"]
StoppedTimeWhenLive = Literal["null", "missing", "empty"]
NumberFormat = Literal["int", "float", "string"]
NotFoundShape = Literal["404", "null_data", "empty_data"]
AnalyticsTimeFormat = Literal["both", "unix", "iso"]

_ALLOWED: dict[str, tuple[Any, ...]] = {
    "list_shape": ("array", "object"),
    "paging_location": ("top", "data", "none"),
    "stopped_time_when_live": ("null", "missing", "empty"),
    "numbers": ("int", "float", "string"),
    "not_found": ("404", "null_data", "empty_data"),
    "analytics_time_format": ("both", "unix", "iso"),
    "page_base": (0, 1),
}


@dataclass
class ShapeVariants:
    """Switchable response shapes; every assignment is validated.

    :param list_shape: ``"array"``: list endpoints put a JSON array in ``data`` (L1 livestreams, apps) and
        L3 returns ``data.sessions`` as an array. ``"object"``: L1 returns ``data = {"livestreams": [...]}``,
        apps return ``data = {"apps": [...]}``, and L3 returns ``data.session`` as a single object (the
        schema's form); to keep ``paging`` truthful L3 then serves one session per page (per_page is 1).
    :param paging_location: ``"top"``: ``paging`` next to ``data``. ``"data"``: inside ``data``; where ``data``
        is an array it becomes ``{"data": [...], "paging": {...}}`` (the L10 example's form). ``"none"``: no
        paging anywhere, clients must stop on a short or empty page.
    :param stopped_time_when_live: how a live session shows ``stopped_time``: ``"null"``, ``"missing"``
        (the key is absent) or ``"empty"`` (``""``, what Go's SDK maps null to).
    :param numbers: ``"float"`` (values as stored: ``viewer_seconds`` may be fractional such as
        ``116.11599994199997``), ``"int"`` (all rounded) or ``"string"`` (every count as a string, as the
        Dyte analytics schema typed them). L4 always renders ``ingest_seconds``/``viewer_seconds`` as strings.
    :param not_found: unknown session or livestream ids (and L4 without a live session) answer ``"404"``
        (RealtimeKit error body), ``"null_data"`` (200, ``data: null``) or ``"empty_data"`` (200, ``data: {}``).
    :param analytics_time_format: A1/A2 accept ``start_time``/``end_time`` as ``"both"`` Unix seconds and ISO
        strings, only ``"unix"`` or only ``"iso"`` (400 for the other kind).
    :param page_base: the number of the first page: 1 (``page_no=0`` is then treated like 1) or 0.
    :param per_page_default: page size when ``per_page`` is absent.
    :param per_page_max: larger ``per_page`` values are clamped to this.
    """

    list_shape: ListShape = "array"
    paging_location: PagingLocation = "top"
    stopped_time_when_live: StoppedTimeWhenLive = "null"
    numbers: NumberFormat = "float"
    not_found: NotFoundShape = "404"
    analytics_time_format: AnalyticsTimeFormat = "both"
    page_base: Literal[0, 1] = 1
    per_page_default: int = 20
    per_page_max: int = 100

    def __setattr__(self, name: str, value: Any) -> None:
        allowed = _ALLOWED.get(name)
        if allowed is not None and value not in allowed:
            raise ValueError(f"ShapeVariants.{name} must be one of {allowed!r}, got {value!r}")
        if name in ("per_page_default", "per_page_max") and (not isinstance(value, int) or value < 1):
            raise ValueError(f"ShapeVariants.{name} must be a positive int, got {value!r}")
        super().__setattr__(name, value)

    def update(self, **changes: Any) -> None:
        """Set several variants at once.

        :param changes: variant names and their new values.
        """
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown shape variants: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(self, name, value)
