"""The one paginator: pages of a select for the web pages and API.md's list shape for /api/v1.

`?page=` and `?per_page=` are checked here for every list: not a whole number, below 1, or past
MAX_PAGE is a 422 naming the parameter (a huge page number would overflow the database's OFFSET).
A page is counted with one query and loaded with one more, whatever its length.
"""

from dataclasses import dataclass

from flask import request

from ..extensions import db
from .errors import ValidationError, _

MAX_PAGE = 100_000


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    def as_json(self, serialize):
        """API.md's list shape: {items, total, page, per_page}."""
        return {"items": [serialize(row) for row in self.items], "total": self.total, "page": self.page,
                "per_page": self.per_page}


def _whole_number(name, default, maximum):
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    raw = raw.strip()
    if not raw.isdecimal() or len(raw) > 9 or not 1 <= int(raw) <= maximum:
        message = _("%(name)s phải là số nguyên từ 1 đến %(max)s.", name=name, max=maximum)
        raise ValidationError(message, {name: message})
    return int(raw)


def page_args(default_per_page=20, max_per_page=100):
    """(page, per_page) from the query string; per_page above the maximum is cut to it."""
    page = _whole_number("page", 1, MAX_PAGE)
    per_page = _whole_number("per_page", default_per_page, 10**6)
    return page, min(per_page, max_per_page)


def paginate(select, per_page=None, default_per_page=20, max_per_page=100, scalars=True):
    """One page of `select` as a Page. The count is one query over the unordered select; the rows
    one more. `scalars=False` keeps whole rows (selects of several entities or columns)."""
    page, asked = page_args(default_per_page, max_per_page)
    per_page = per_page or asked
    total = db.session.scalar(db.select(db.func.count()).select_from(select.order_by(None).subquery()))
    limited = select.limit(per_page).offset((page - 1) * per_page)
    items = (db.session.scalars(limited) if scalars else db.session.execute(limited)).all()
    return Page(list(items), total, page, per_page)


def api_list(select, serialize, default_per_page=20):
    """A list endpoint's answer: {items, total, page, per_page}."""
    return paginate(select, default_per_page=default_per_page).as_json(serialize)
