"""The parents' pages and API (issue 14): only a parent, and only for their own child (the matrix's
parent, ph.6a1.01, follows hs.6a1.01). Another family's child is 404 (tests/web/test_parents_view.py); a
teacher of another class gets 404 from the note form (tests/web/test_parents_notices.py)."""

from lms.accounts.models import User
from lms.extensions import db

from .foundation import only

PARENT = {"parent"}


def _child(_ids):
    return db.session.scalar(db.select(User.id).where(User.username == "hs.6a1.01"))


ROUTES = {
    "parents.home": {"url": "/parents/", **only(PARENT)},
    "parents.child": {"url": lambda ids: f"/parents/children/{_child(ids)}", **only(PARENT)},
    "parents.child_week": {"url": lambda ids: f"/parents/children/{_child(ids)}/week", **only(PARENT)},
    # The teacher's note to the parents of a class they teach (the matrix's teacher teaches 6A1).
    "parents.class_note": {"url": lambda ids: f"/parents/classes/{ids['classroom_6a1_thcs01']}/note",
                           **only({"teacher"})},
    "api.list_children": {"url": "/api/v1/children", **only(PARENT, anonymous=401)},
    "api.child_assignments": {"url": lambda ids: f"/api/v1/children/{_child(ids)}/assignments",
                              **only(PARENT, anonymous=401)},
}
