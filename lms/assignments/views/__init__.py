"""Homework pages. The blueprint is defined here; each part of the feature has its module
(imported at the bottom so that its routes register on `bp`)."""

from flask import Blueprint, abort
from flask_login import current_user

from ...extensions import db
from .. import permissions
from ..models import Assignment

bp = Blueprint("assignments", __name__, template_folder="../templates", url_prefix="/assignments")


def load_assignment(assignment_id, may=None):
    """The assignment for a page: 404 for whoever may not know it exists; 403 when `may` (a
    permissions predicate of the user and the assignment) refuses someone who does."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not permissions.can_view(current_user, assignment):
        abort(404)
    if may is not None and not may(current_user, assignment):
        abort(403)
    return assignment


from . import student, teacher, tracking, work  # noqa: E402,F401  (routes register on bp)
