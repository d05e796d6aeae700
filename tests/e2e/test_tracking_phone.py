"""Tracking on a 390 px phone: the student's to-do, and the teacher's list, tracking, class matrix
and item analysis, with the demo homework of 6A1 (a material read by some, a quiz in every
state). The page never scrolls sideways: tables stack, the matrix scrolls inside its own box."""

import pytest

from lms.assignments.demo import seed_demo_assignments
from lms.assignments.models import Assignment
from lms.extensions import db
from lms.materials.demo import seed_demo_materials
from lms.questions.demo import seed_demo_questions
from tests.assignments_tracking_support import classroom
from tests.e2e.conftest import _page
from tests.e2e.test_phone_width import OVERFLOW_JS

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_tracking_pages_fit_a_phone(browser, live_server, app, sign_in, criteria):
    seed_demo_materials()
    seed_demo_questions()
    seed_demo_assignments()
    db.session.commit()
    material, quiz = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).all()
    pages = {
        "hs.6a1.01": ["/assignments/"],
        "gv.toan": ["/assignments/", f"/assignments/{quiz.id}/tracking", f"/assignments/{material.id}/tracking",
                    f"/assignments/{quiz.id}/analysis", f"/assignments/classes/{classroom().id}"],
    }
    too_wide = []
    for username, urls in pages.items():
        context, page, problems = _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
        sign_in(page, username)
        for url in urls:
            assert page.goto(url).status == 200, url
            measured = page.evaluate(OVERFLOW_JS, PHONE["width"])
            if measured["scroll"] > PHONE["width"]:
                too_wide.append(f"{username} {url}: {measured['scroll']} px ({'; '.join(measured['wide'])})")
        if username == "gv.toan":
            page.goto(f"/assignments/{quiz.id}/tracking")
            assert page.locator('#tracking tr[data-status="late"]').count() == 1
            assert page.locator('#tracking tr[data-status="in_progress"]').count() == 2
        context.close()
        assert not problems, problems
    assert not too_wide, "\n".join(too_wide)
