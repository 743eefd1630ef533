"""Page-number paging: ``page_no``/``per_page`` in, ``paging {total_count, start_offset, end_offset}`` out.

Offsets are 1-based and inclusive (items 1..20 of page 1). A page beyond the last one is empty, with
``start_offset = skipped + 1`` and ``end_offset = skipped`` (so ``end_offset >= total_count`` still holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from airflow_provider_realtimekit.testing.query import query_int
from airflow_provider_realtimekit.testing.variants import ShapeVariants

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """A requested page.

    :param index: 0-based page index.
    :param per_page: page size after clamping.
    """

    index: int
    per_page: int

    @classmethod
    def from_query(cls, query: dict[str, str], variants: ShapeVariants) -> PageRequest:
        """Read ``page_no`` and ``per_page``; ``page_no`` below the first page means the first page.

        :param query: the parsed query string.
        :param variants: supplies the page base and the per_page default and maximum.
        :raises InvalidQuery: when either is not a non-negative number.
        """
        page_no = query_int(query, "page_no", variants.page_base)
        per_page = query_int(query, "per_page", variants.per_page_default)
        per_page = min(max(per_page, 1), variants.per_page_max)
        return cls(index=max(page_no - variants.page_base, 0), per_page=per_page)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items and its paging figures.

    :param items: the items on this page.
    :param total_count: items on all pages.
    :param start_offset: 1-based position of the first item.
    :param end_offset: 1-based position of the last item (``start_offset - 1`` for an empty page).
    """

    items: list[T]
    total_count: int
    start_offset: int
    end_offset: int

    @classmethod
    def of(cls, items: Sequence[T], request: PageRequest) -> Page[T]:
        """Cut one page out of ``items``.

        :param items: all items, in response order.
        :param request: the page wanted.
        """
        skipped = request.index * request.per_page
        chunk = list(items[skipped : skipped + request.per_page])
        return cls(chunk, len(items), skipped + 1, skipped + len(chunk))

    def paging(self) -> dict[str, Any]:
        """Return the ``paging`` object."""
        return {
            "total_count": self.total_count,
            "start_offset": self.start_offset,
            "end_offset": self.end_offset,
        }
