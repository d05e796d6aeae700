"""Editing an assignment on a 390×844 phone (issue 11): gv.toan opens a quiz that hs.6a1.01 has
already started, taps "Sửa", sees the questions and classes read-only, moves the due time and
saves; the assignment page shows the new due time and the form never scrolls sideways."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.assignments import attempts
from lms.assignments.models import Assignment
from lms.core.timeutil import as_utc
from lms.extensions import db
from tests.assignments_support import quiz, user
from tests.e2e.conftest import _page
from tests.e2e.test_phone_width import OVERFLOW_JS

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_teacher_moves_the_due_time_on_a_phone(browser, live_server, app, sign_in, criteria):
    assignment = quiz(title="Luyện tập phân số (sửa trên điện thoại)")
    attempts.start(assignment, user("hs.6a1.01"))
    db.session.commit()
    new_due = (datetime.now(LOCAL) + timedelta(days=3)).replace(hour=20, minute=30, second=0, microsecond=0)

    context, page, problems = _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "gv.toan")
    page.goto(f"/assignments/{assignment.id}")
    page.locator("#edit-link").tap()
    page.wait_for_url(f"**/assignments/{assignment.id}/edit")
    assert page.locator("#edit-locked").is_visible()
    assert page.locator("#classrooms-field input").first.is_disabled()
    measured = page.evaluate(OVERFLOW_JS, PHONE["width"])
    assert measured["scroll"] <= PHONE["width"], measured["wide"]

    page.locator("input[name=due_at]").fill(new_due.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#publish").tap()
    page.wait_for_url(f"**/assignments/{assignment.id}")
    assert "20:30" in page.locator("#setting-due").inner_text()
    context.close()
    assert not problems, problems

    db.session.expire_all()
    saved = db.session.get(Assignment, assignment.id)
    assert as_utc(saved.due_at) == new_due.astimezone(as_utc(saved.due_at).tzinfo)
    assert saved.lock_version == 2 and len(saved.questions) == 3
