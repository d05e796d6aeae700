from flask import request

from ..extensions import db
from .errors import ValidationError


def page_args(default_per_page=20, max_per_page=100):
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", default_per_page))
    except ValueError:
        raise ValidationError("page và per_page phải là số nguyên.",
                              {"page": request.args.get("page"), "per_page": request.args.get("per_page")}) from None
    if page < 1 or per_page < 1:
        raise ValidationError("page và per_page phải lớn hơn 0.", {"page": page, "per_page": per_page})
    return page, min(per_page, max_per_page)


def paginate(select, serialize, default_per_page=20):
    """The list shape of API.md: {items, total, page, per_page}."""
    page, per_page = page_args(default_per_page)
    total = db.session.scalar(db.select(db.func.count()).select_from(select.order_by(None).subquery()))
    rows = db.session.scalars(select.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [serialize(r) for r in rows], "total": total, "page": page, "per_page": per_page}
