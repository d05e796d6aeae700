"""Issue 9.7: a student sees a student's page, on a 390 px phone.

No versions table, no "Đang công bố: phiên bản 1", no uploader and no file name on a material's
page (staff still see them); library cards are compact (the thumbnail beside the text); the
library starts at the student's own grade; a PDF is offered as its first page's image and an
"open" button rather than a frame a phone shows badly (nothing is loaded into a frame).
"""

import re

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from tests.e2e.conftest import _page
from tests.e2e.test_phone_width import PHONE
from tests.materials_support import make_material

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser, live_server):
    context, page, problems = _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def test_a_student_sees_the_material_not_how_it_was_made(phone, sign_in):
    page = phone
    material = make_material("approved", title="Phân số — phiếu ôn tập", filename="phieu-on-tap-ban-cuoi.pdf")
    db.session.commit()
    sign_in(page, "hs.6a1.01")
    pdf_requests = []
    page.on("request", lambda request: pdf_requests.append(request.url) if "/file" in request.url else None)
    page.goto(f"/materials/{material.id}")
    expect(page.locator("#material-title")).to_have_text("Phân số — phiếu ôn tập")
    expect(page.locator("#versions")).to_have_count(0)
    expect(page.locator("#published-badge")).to_have_count(0)
    main = page.locator("main")
    expect(main).not_to_contain_text("Người tải lên")
    expect(main).not_to_contain_text("phieu-on-tap-ban-cuoi.pdf")
    expect(main).not_to_contain_text("Đang công bố")
    expect(page.locator("#metadata")).to_contain_text("Tác giả")  # the author is credited

    # The PDF: its first page and a clear button, no frame loading the file on a phone.
    expect(page.locator("#preview-pdf-phone img")).to_be_visible()
    expect(page.locator("#open-pdf")).to_be_visible()
    expect(page.locator("#open-pdf")).to_have_attribute("href", f"/materials/{material.id}/v/1/file")
    expect(page.locator("iframe#preview-pdf")).to_be_hidden()
    assert page.locator("iframe#preview-pdf").get_attribute("src") is None
    assert not pdf_requests
    box = page.locator("#preview-pdf-phone img").bounding_box()
    assert box["width"] <= PHONE["width"]

    # Staff see how it was made.
    context = page.context
    context.clear_cookies()
    sign_in(page, "gv.toan")
    page.goto(f"/materials/{material.id}")
    expect(page.locator("#versions")).to_be_visible()
    expect(page.locator("#published-badge")).to_be_visible()
    expect(page.locator("#metadata")).to_contain_text("Người tải lên")
    expect(page.locator("#metadata")).to_contain_text("phieu-on-tap-ban-cuoi.pdf")


def test_library_starts_at_the_students_grade_with_compact_cards(phone, sign_in):
    page = phone
    for n in range(3):
        make_material("approved", title=f"Phiếu số {n + 1}: phân số và số thập phân")
    make_material("approved", title="Tỉ số phần trăm", grade="7")
    db.session.commit()
    sign_in(page, "hs.6a1.01")
    page.get_by_role("button", name="Mở menu").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))  # opened, not sliding
    page.get_by_role("link", name="Thư viện học liệu", exact=True).click()
    expect(page.locator("#f-grade")).to_have_value("6")
    expect(page.locator("#library-filters-toggle")).to_contain_text("Khối 6")
    cards = page.locator(".library-item")
    expect(cards).to_have_count(3)
    expect(page.locator("#library")).not_to_contain_text("Tỉ số phần trăm")
    for index in range(3):
        card = cards.nth(index)
        expect(card.locator("img.library-thumb")).to_be_visible()
        assert card.bounding_box()["height"] < 200, card.bounding_box()
        thumb, title = card.locator("img").bounding_box(), card.locator("h2").bounding_box()
        assert thumb["x"] + thumb["width"] <= title["x"]  # beside the text, not above it

    # Every grade is one choice away.
    page.locator("#library-filters-toggle").click()
    # Wait for the fold to finish opening: a click on a form still sliding open may miss it.
    expect(page.locator("#library-filters")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#f-grade").select_option("")
    page.locator("#filter-submit").click()
    page.wait_for_url(re.compile(r"[?&]grade=(&|$)"))
    expect(page.locator("#f-grade")).to_have_value("")
    expect(cards).to_have_count(4)
