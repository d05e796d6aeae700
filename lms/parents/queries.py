"""Reads for the parent's pages: each child's homework as the child sees it in their to-do list,
with marks and the teacher's feedback only once the teacher released them, and never anything of a
quiz in progress (no answers are read here at all). A fixed number of statements per page."""

import datetime as dt
from dataclasses import dataclass

from ..assignments import queries as homework
from ..core.timeutil import as_utc, utcnow
from ..extensions import db
from ..schools import guardians

WEEK = dt.timedelta(days=7)


@dataclass
class ChildSummary:
    student: object
    classroom: object
    to_do: int
    overdue: int
    missing: int
    late: int


def child_items(student, now=None):
    """The child's assignments as to-do items (the student's own order: still to do first, the
    nearest due time first)."""
    now = now or utcnow()
    assignments = db.session.scalars(homework.todo(student, now)).unique().all()
    return homework.todo_items(student, assignments, now)


def children(parent, now=None):
    """[ChildSummary] for the parent's home page: a fixed number of statements per child."""
    now = now or utcnow()
    summaries = []
    for student, classroom in guardians.children_of(parent):
        items = child_items(student, now)
        summaries.append(ChildSummary(
            student=student, classroom=classroom,
            to_do=sum(1 for i in items if not i.work.done and i.work.status != "missing"),
            overdue=sum(1 for i in items if i.overdue and i.work.status != "missing"),
            missing=sum(1 for i in items if i.work.status == "missing"),
            late=sum(1 for i in items if i.work.late)))
    return summaries


def week(items, now=None):
    """The weekly summary: what was due in the last seven days (done on time, late, missed) and
    what is due in the next seven."""
    now = now or utcnow()
    past = [i for i in items if now - WEEK <= as_utc(i.assignment.due_at) <= now]
    coming = [i for i in items if now < as_utc(i.assignment.due_at) <= now + WEEK]
    return {
        "past": past,
        "coming": sorted(coming, key=lambda i: i.assignment.due_at),
        "on_time": sum(1 for i in past if i.work.done and not i.work.late),
        "late": sum(1 for i in past if i.work.late),
        "missed": sum(1 for i in past if i.work.status == "missing"),
        "prepared": sum(1 for i in past + coming if i.assignment.kind == "material" and i.work.viewed_before_due),
        "materials": sum(1 for i in past + coming if i.assignment.kind == "material"),
        "since": now - WEEK,
        "until": now + WEEK,
    }

