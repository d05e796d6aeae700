"""Homework pages: the teacher side."""

from . import bp  # noqa: F401
