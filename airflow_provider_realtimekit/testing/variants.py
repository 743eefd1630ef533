"""Response-shape variants: the places where the RealtimeKit API notes are uncertain ([U]).

Switch them at runtime (``emu.variants.paging_location = "data"`` or ``emu.set_variants(...)``), from the
command line (``realtimekit-emulator --variant numbers=int``) or all at once with
:meth:`ShapeVariants.definition`, to check that a client tolerates every shape the real API might use.

Two sources disagree, and each variant says which one its values follow: Cloudflare's API *definition*
(the OpenAPI document the official SDKs are generated from and strictly validate against) and Dyte's
*examples* (the documentation RealtimeKit inherited, whose sample responses show fractions and arrays).
The defaults are the shapes the examples show, which is what the API is believed to send;
``ShapeVariants.definition()`` switches every variant to the definition's form.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

ListShape = Literal["array", "object", "definition"]
LivestreamSessionsShape = Literal["array", "definition"]
DisabledType = Literal["boolean", "string"]
ValidationErrorShape = Literal["cloudflare", "problem"]
PagingLocation = Literal["top", "data", "none"]
StoppedTimeWhenLive = Literal["null", "missing", "empty"]
NumberFormat = Literal["int", "float", "string"]
NotFoundShape = Literal["404", "null_data", "empty_data"]
AnalyticsTimeFormat = Literal["both", "unix", "iso"]

_ALLOWED: dict[str, tuple[Any, ...]] = {
    "list_shape": ("array", "object", "definition"),
    "livestream_sessions": ("array", "definition"),
    "disabled": ("boolean", "string"),
    "validation_error": ("cloudflare", "problem"),
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

    :param list_shape: ``"array"`` (default, Dyte's example): list endpoints put a JSON array in ``data``
        (L1 livestreams, apps). ``"object"``: L1 returns ``data = {"livestreams": [...]}``, apps return
        ``data = {"apps": [...]}``, and L3 returns ``data.session`` as a single object. ``"definition"``: L1
        returns what the definition models, ``data`` as **one** livestream object with ``paging`` inside
        (whatever ``paging_location`` says); to keep ``paging`` truthful it serves one livestream per page
        (per_page is 1) and an empty page is ``data = {"paging": {...}}``. Apps keep their array.
    :param livestream_sessions: the L3 form. ``"array"`` (default, Dyte's example): ``data.livestream`` and
        ``data.sessions[]``, paging where ``paging_location`` puts it. ``"definition"``: the definition's
        ``data.livestream``, ``data.session`` (one object, null past the last) and ``data.paging``, one
        session per page.
    :param paging_location: ``"top"``: ``paging`` next to ``data``. ``"data"``: inside ``data``; where ``data``
        is an array it becomes ``{"data": [...], "paging": {...}}`` (the L10 example's form). ``"none"``: no
        paging anywhere, clients must stop on a short or empty page.
    :param stopped_time_when_live: how a live session shows ``stopped_time``: ``"null"``, ``"missing"``
        (the key is absent) or ``"empty"`` (``""``, what Go's SDK maps null to).
    :param numbers: how ``ingest_seconds``, ``viewer_seconds`` (L3, L5) and the analytics totals (A1, A2)
        are rendered. ``"float"`` is the default because Dyte's examples, the only sample responses there
        are, show fractions (``viewer_seconds: 116.11599994199997``), so a client must not assume whole
        numbers. ``"int"`` (rounded) is what the definition types them as, and what the SDK's strict models
        accept. ``"string"``: every count as a string, as the Dyte analytics schema typed them. L4 always
        renders ``ingest_seconds``/``viewer_seconds`` as strings (the definition types them so there).
    :param disabled: how livestreams show ``disabled``. ``"boolean"`` (default, as the examples show
        ``false``); ``"string"`` (``"false"``/``"true"``), as the definition types it in the list (L1), the
        livestream (L3), the active session (L4) and the meeting livestream. (The definition's create
        answer has a boolean; the emulator serves no create route.)
    :param validation_error: the body of the 422 that answers a query parameter outside the definition's
        types or enums (L1's ``status``, ``sort_order``, ``exclude_meetings``, ``start_time``/``end_time``;
        ``page_no``/``per_page`` anywhere). ``"cloudflare"`` (default): the Cloudflare envelope
        ``{"success": false, "errors": [{"code": 422, "message": ...}], ...}`` [U the real code number].
        ``"problem"``: ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and
        ``validation[]``, as a mock server generated from the definition answers.
    :param not_found: unknown session or livestream ids (and L4 without a live session) answer ``"404"``
        (RealtimeKit error body), ``"null_data"`` (200, ``data: null``) or ``"empty_data"`` (200, ``data: {}``).
    :param analytics_time_format: A1/A2 accept ``start_time``/``end_time`` as ``"both"`` Unix seconds and ISO
        strings, only ``"unix"`` or only ``"iso"`` (400 for the other kind).
    :param page_base: the number of the first page: 1 (``page_no=0`` is then treated like 1) or 0.
    :param per_page_default: page size when ``per_page`` is absent.
    :param per_page_max: larger ``per_page`` values are clamped to this.
    """

    list_shape: ListShape = "array"
    livestream_sessions: LivestreamSessionsShape = "array"
    disabled: DisabledType = "boolean"
    validation_error: ValidationErrorShape = "cloudflare"
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

    @classmethod
    def definition(cls) -> ShapeVariants:
        """Return the variants that follow Cloudflare's API definition wherever it differs from the examples:
        L1 as one object with paging inside, L3 as ``data.livestream``/``data.session``/``data.paging``,
        whole-number counts, and ``disabled`` as a string.
        """
        return cls(list_shape="definition", livestream_sessions="definition", numbers="int", disabled="string")

    @classmethod
    def allowed_values(cls) -> dict[str, tuple[Any, ...]]:
        """Return each variant name with its allowed values (``per_page_*``: any positive int)."""
        listed = dict(_ALLOWED)
        return {f.name: listed.get(f.name, ("<positive int>",)) for f in fields(cls)}

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
