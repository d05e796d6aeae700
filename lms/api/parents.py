"""/api/v1 for the sector's mobile app, read-only: a parent's children and each child's homework
(the child's own to-do as the student API gives it, marks and feedback only once released, and
whether the child opened the materials to prepare). Another family's child is 404."""

from flask import g

from ..accounts.models import User
from ..core.authz import authorize
from ..core.errors import NotFound, _
from ..core.timeutil import iso
from ..extensions import db
from ..parents import queries
from ..parents.permissions import can_follow, is_parent
from ..schools import guardians
from .auth import api_route
from .tracking import todo_json

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}


def _parent():
    authorize(is_parent(g.api_user), _("Chỉ tài khoản phụ huynh xem được."))
    return g.api_user


@api_route("/children", tag="parents", responses={200: "[{id, full_name, school_id, class}]", **ERRORS})
def list_children():
    """The parent's linked children, in Vietnamese name order."""
    parent = _parent()
    return [{"id": s.id, "full_name": s.full_name, "school_id": s.school_id,
             "class": classroom.name if classroom else None, "class_id": classroom.id if classroom else None}
            for s, classroom in guardians.children_of(parent)]


@api_route("/children/<int:student_id>/assignments", tag="parents",
           responses={200: "[assignment with status, marks once released, feedback]", **ERRORS})
def child_assignments(student_id):
    """One child's assignments: status, due times, late or missed, marks and the teacher's feedback
    once released, and for materials whether the child opened them before class."""
    parent = _parent()
    student = db.session.get(User, student_id)
    if not can_follow(parent, student):
        raise NotFound()
    answer = []
    for item in queries.child_items(student):
        row = todo_json(item)
        if item.assignment.kind == "material":
            row.update({"material_opened_at": iso(item.work.viewed_at),
                        "material_opened_before_due": item.work.viewed_before_due,
                        "material_seconds": item.work.view_seconds})
        answer.append(row)
    return answer
