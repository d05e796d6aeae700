"""The /admin blueprint that the administration pages register on, and what they share.

Each handler parses (a form), loads (404 for what the caller may not know exists), authorises
(403, with the predicates of schools/permissions.py), calls one service (which asks the same
predicate again, for callers other than these pages), commits once, then flashes and redirects
(or re-renders the form).
"""

import os

from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ...core.errors import DomainError, Forbidden
from ...core.forms import refuse
from ...extensions import db
from .. import queries
from ..forms import choices

# The templates are the feature's (lms/schools/templates), one folder up from this package.
bp = Blueprint("schools", __name__, root_path=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
               template_folder="templates", url_prefix="/admin")

PER_PAGE = 50


def load(model, ident, visible=None):
    """The object, or 404 when it does not exist or `visible(current_user, obj)` says the caller
    may not know it does (another school's class, account, ...)."""
    obj = db.session.get(model, ident)
    if obj is None or (visible is not None and not visible(current_user, obj)):
        abort(404)
    return obj


def failed(error, form=None):
    """A refused action: rolled back and told on the form's page, each detail at the field it
    names when the page shows `form` again. A permission refusal is not a mistake on the form: it
    stays a 403 page."""
    db.session.rollback()
    if isinstance(error, Forbidden):
        raise error
    if form is None:
        flash(error.message, "danger")
    else:
        refuse(form, error)


def form_page(form, title, cancel_url, **extra):
    return render_template("schools/form_page.html", form=form, title=title, cancel_url=cancel_url,
                           **extra)


def first_error(form):
    for field in form:
        if field.errors:
            return f"{field.label.text}: {field.errors[0]}"
    return _("Biểu mẫu chưa hợp lệ.")


def locale():
    return str(get_locale() or "vi")


def subject_choices(subjects=None):
    subjects = queries.subjects() if subjects is None else subjects
    return choices([(s.id, s.name(locale())) for s in subjects], blank="—")


def page_number():
    return max(request.args.get("page", 1, type=int) or 1, 1)


def paginate(select):
    page, total = page_number(), queries.count(select)
    rows = db.session.execute(select.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return rows, {"page": page, "pages": max((total + PER_PAGE - 1) // PER_PAGE, 1), "total": total}


def read_upload(storage):
    """The uploaded bytes, refused past IMPORT_MAX_MB (an import is read whole, in memory)."""
    limit = current_app.config["IMPORT_MAX_MB"] * 1024 * 1024
    data = storage.read(limit + 1)
    if len(data) > limit:
        raise DomainError("payload_too_large",
                          _("Tệp quá lớn: tối đa %(mb)s MB.", mb=current_app.config["IMPORT_MAX_MB"]),
                          status=413)
    return data, (storage.filename or "")[-120:]  # kept in the session cookie: bounded


def password_page(user, password, title):
    """The generated first password, shown once; never cached."""
    response = current_app.make_response(render_template(
        "schools/password_shown.html", user=user, password=password, title=title))
    response.headers["Cache-Control"] = "no-store"
    return response
