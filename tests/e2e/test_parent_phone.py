"""Issue 14 on a 390 px phone: a parent (ph.6a1.01) signs in and sees that their child hs.6a1.01
missed an assignment, on the home page, the child's page and the weekly summary, and the teacher's
note to the class; a teacher writes that note from the class matrix. The page never scrolls sideways."""

import datetime as dt

import pytest

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.parents import jobs
from tests.e2e.conftest import _page
from tests.e2e.test_phone_width import OVERFLOW_JS
from tests.web.conftest_admin import user_named
from tests.web.test_parents_view import _assignment, _classroom

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
TITLE = ("Bài tập về nhà: phân số và số thập phân — luyện tập chung cuối chương II "
         "(Kết nối tri thức với cuộc sống)")


def _fits(page, url, too_wide):
    measured = page.evaluate(OVERFLOW_JS, PHONE["width"])
    if measured["scroll"] > PHONE["width"]:
        too_wide.append(f"{url}: {measured['scroll']} px ({'; '.join(measured['wide'])})")


def test_a_parent_sees_on_a_phone_that_their_child_missed_an_assignment(browser, live_server, app, sign_in):
    missed = _assignment(TITLE, utcnow() - dt.timedelta(days=1))
    db.session.commit()
    jobs.notify_missed()
    db.session.commit()
    student = user_named("hs.6a1.01")
    too_wide = []

    teacher, page, problems = _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "gv.toan")
    page.goto(f"/assignments/classes/{_classroom().id}")
    page.locator("#note-to-parents").click()
    _fits(page, page.url, too_wide)
    page.locator("textarea[name=text]").fill("Thứ Sáu các em mang thước kẻ và com-pa; phụ huynh nhắc các em "
                                             "làm bài tập về nhà đúng hạn.")
    page.locator("#class-note-form button[type=submit]").click()
    page.wait_for_url(lambda url: url.endswith(f"/assignments/classes/{_classroom().id}"))
    teacher.close()
    assert not problems, problems

    context, page, problems = _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "ph.6a1.01")
    assert page.url.endswith("/parents/")
    _fits(page, "/parents/", too_wide)
    card = page.locator(f'[data-child="{student.id}"]')
    assert "Bài bỏ lỡ: 1" in " ".join(card.inner_text().split())
    assert "thước kẻ và com-pa" in page.locator("#teacher-notes").inner_text()

    card.get_by_role("link", name="Xem bài tập").click()
    page.wait_for_url(lambda url: url.endswith(f"/parents/children/{student.id}"))
    _fits(page, page.url, too_wide)
    row = page.locator(f'[data-assignment="{missed.id}"]')
    assert row.get_attribute("data-status") == "missing"
    assert "phân số và số thập phân" in row.inner_text()

    page.goto(f"/parents/children/{student.id}/week")
    _fits(page, page.url, too_wide)
    assert "phân số và số thập phân" in page.inner_text("main")

    page.goto("/reviews/notifications")
    _fits(page, page.url, too_wide)
    assert "đã bỏ lỡ bài" in page.inner_text("main")
    context.close()
    assert not problems, problems
    assert not too_wide, "wider than a 390 px phone:\n" + "\n".join(too_wide)
