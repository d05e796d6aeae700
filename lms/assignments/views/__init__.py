"""Homework pages. The blueprint is defined here; each part of the feature has its module
(imported at the bottom so that its routes register on `bp`)."""

from flask import Blueprint

bp = Blueprint("assignments", __name__, template_folder="../templates", url_prefix="/assignments")

from . import student, teacher, tracking, work  # noqa: E402,F401  (routes register on bp)
