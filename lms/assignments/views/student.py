"""Homework pages: the student side."""

from . import bp  # noqa: F401
