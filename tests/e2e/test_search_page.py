"""Issue 12: the header's search box and the results page on a 390 px phone: a student types
"phan so" without accents, finds the approved material (marked words in its snippet), opens the
filters and narrows by a facet; the page never scrolls sideways and a draft never shows."""

import re

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from tests.e2e.conftest import _page
from tests.e2e.test_phone_width import LONG_TITLE, OVERFLOW_JS, PHONE
from tests.materials_support import make_material

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser, live_server):
    context, page, problems = _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def fits(page):
    measured = page.evaluate(OVERFLOW_JS, PHONE["width"])
    assert measured["scroll"] <= PHONE["width"], measured


def test_a_student_searches_from_the_header_on_a_phone(phone, sign_in, criteria):
    page = phone
    approved = make_material("approved", title=LONG_TITLE)
    draft = make_material("draft", title="Phân số bản nháp")
    db.session.commit()
    sign_in(page, "hs.6a1.01")
    box = page.locator("#header-search-q")
    expect(box).to_be_visible()  # in the header itself, not behind the menu button
    box.fill("phan so")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=phan\+so"))
    hits = page.locator(".search-hit")
    expect(hits).to_have_count(1)
    expect(hits.first).to_have_attribute("data-id", str(approved.id))
    expect(page.locator(f'.search-hit[data-id="{draft.id}"]')).to_have_count(0)
    expect(hits.first.locator("mark").first).to_have_text(re.compile("Phân", re.I))
    expect(page.locator("#search-total")).to_contain_text("1")
    fits(page)

    # The filters fold away on a phone; opened, a facet narrows the results.
    facets = page.locator("#search-facets")
    expect(facets).to_be_hidden()
    page.locator("#search-facets-toggle").click()
    expect(facets).to_be_visible()
    grade = page.locator('.search-facet[data-facet="grade"] a[data-value="6"]')
    expect(grade).to_contain_text("6")
    grade.click()
    page.wait_for_url(re.compile(r"grade=6"))
    expect(page.locator(".search-hit")).to_have_count(1)
    fits(page)
