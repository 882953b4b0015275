"""Page arithmetic shared by HTML lists and API collections, and fetching one page of a query."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PER_PAGE = 100


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def past_end(self) -> bool:
        """Asked for a page after the last one: the pager says so instead of "page 99 of 4"."""
        return self.page > self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def fetch_page(session: Session, stmt: Select, *, page: int, per_page: int) -> tuple[list, int]:
    """One page of the rows ``stmt`` selects (in its order, with its loader options) and how many it matches in all.

    A page past the last one is empty with the true total: the API answers so, and HTML pages show
    ``Page.past_end`` with a link back to the last page.
    """
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.limit(per_page).offset((max(page, 1) - 1) * per_page)).unique()
    return list(rows), total


def clamp_page(page, per_page, default_per_page: int = 20) -> tuple[int, int]:
    """Turn untrusted page numbers into sane ones instead of failing."""
    try:
        page = max(1, min(int(page or 1), 100_000))
    except (TypeError, ValueError):
        page = 1
    try:
        per_page = max(1, min(int(per_page or default_per_page), MAX_PER_PAGE))
    except (TypeError, ValueError):
        per_page = default_per_page
    return page, per_page
