"""Issue 9.4: Vietnamese everywhere the page is Vietnamese, English everywhere it is English.

Reasons are named, not listed as codes; the criteria page shows titles (the code small beside
them); every error status, including those Werkzeug raises before our views (405, 413), is our
page in the user's language with a way back; notifications, subject names and criteria follow
the language switch.
"""

import re

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from lms.review import services as review_services
from tests.e2e.conftest import press
from tests.materials_support import make_material, user

pytestmark = pytest.mark.e2e


def to_english(page):
    page.locator("#lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_reason_error_names_the_reasons(page, sign_in):
    material = make_material("in_review")
    db.session.commit()
    sign_in(page, "reviewer.toan")
    page.goto(f"/materials/{material.id}")
    press(page.locator("#decision-reject"))
    page.locator("#decision-form").evaluate("form => { form.noValidate = true; }")
    press(page.locator("#decision-submit"), "Enter")
    error = page.locator("#reason_code-error")
    expect(error).to_contain_text("Bản quyền và ghi nguồn")
    expect(error).to_contain_text("Phù hợp chương trình GDPT 2018")
    expect(page.locator("main")).not_to_contain_text("licensing")
    expect(page.locator("main")).not_to_contain_text("content_accuracy")


def test_criteria_page_shows_titles_first(page, sign_in, criteria):
    sign_in(page, "admin")
    page.goto("/reviews/criteria")
    row = page.locator("#criteria tbody tr[data-code=content_accuracy]")
    expect(row.locator(".criterion-title")).to_have_text("Độ chính xác của nội dung")
    # The code is secondary: small, after the title, never a column of its own.
    expect(row.locator(".small code")).to_have_text("content_accuracy")
    expect(page.locator("#criteria thead")).not_to_contain_text("Mã")
    to_english(page)
    expect(row.locator(".criterion-title")).to_have_text("Accuracy of content")


def test_error_pages_are_ours_in_the_users_language(page, sign_in, live_server, app):
    # A 500 from a route that breaks (added before the server's first request).
    app.config["PROPAGATE_TEST_ERRORS"] = False

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/__broken", "broken", broken)

    sign_in(page, "gv.toan")
    page.goto("/")
    page.evaluate("() => { window.location.href = '/no-such-page'; }")
    page.wait_for_url(re.compile("/no-such-page$"))
    expect(page.locator("#error")).to_have_attribute("data-status", "404")
    expect(page.locator("h1")).to_contain_text("Không tìm thấy trang")
    expect(page.locator("#error-message")).to_contain_text("Hãy kiểm tra lại địa chỉ")
    expect(page.locator("main")).not_to_contain_text("The requested URL")
    # The way back: the page the user came from, and the home page.
    expect(page.locator("#error-back")).to_have_attribute("href", "/")
    expect(page.locator("#error-home")).to_be_visible()

    response = page.goto("/admin/schools")
    assert response.status == 403
    expect(page.locator("h1")).to_contain_text("Không có quyền")
    expect(page.locator("main")).not_to_contain_text("You don't have the permission")

    response = page.goto("/__broken")
    assert response.status == 500
    expect(page.locator("h1")).to_contain_text("Lỗi máy chủ")
    expect(page.locator("#error-home")).to_be_visible()

    # 405 and 413 come from Werkzeug, before any view runs.
    answer = page.request.delete("/materials/mine")
    assert answer.status == 405
    body = answer.text()
    assert 'id="error"' in body and "Thao tác không được hỗ trợ" in body and "error-home" in body
    assert "The method is not allowed" not in body
    answer = page.request.post("/account/password", multipart={"note": "x" * 600_000})
    assert answer.status == 413
    body = answer.text()
    assert 'id="error"' in body and "Dữ liệu quá lớn" in body and "capacity limit" not in body

    # The same pages in English once the user chose English.
    to_english(page)
    page.goto("/no-such-page")
    expect(page.locator("h1")).to_contain_text("Page not found")
    expect(page.locator("#error-home")).to_have_text("Back to the home page")
    body = page.request.delete("/materials/mine").text()
    assert "Not supported here" in body


def test_english_mode_notifications_subjects_and_criteria(page, sign_in, criteria):
    material = make_material("submitted", title="Phân số — ôn tập")
    db.session.commit()
    sign_in(page, "reviewer.toan")
    to_english(page)

    page.goto("/reviews/notifications")
    notice = page.locator("#notifications li").first
    expect(notice).to_contain_text("submitted “Phân số — ôn tập” to the review queue")
    expect(notice).not_to_contain_text("đã gửi")

    page.goto("/reviews/queue")
    expect(page.locator("#queue")).to_contain_text("Mathematics")
    review_services.claim(material, user("reviewer.toan"))
    db.session.commit()
    page.goto(f"/materials/{material.id}")
    form = page.locator("#decision-form")
    expect(form).to_contain_text("Accuracy of content")
    expect(form).to_contain_text("Licensing and attribution")
    expect(form).not_to_contain_text("Độ chính xác của nội dung")
    expect(page.locator("#metadata")).to_contain_text("Mathematics")

    press(page.locator("#decision-reject"))
    page.locator("#reason_code").select_option("licensing")
    page.locator("#comment").fill("Thiếu nguồn ảnh.")
    press(page.locator("#decision-submit"), "Enter")
    expect(page.locator(".review-state").first).to_have_attribute("data-state", "rejected")

    # The author reads it in English too; a notification stored before messages had keys keeps
    # its stored sentence.
    review_services.notify(user("gv.toan"), "Thông báo cũ, chỉ có câu tiếng Việt.")
    db.session.commit()
    page.locator("#user-menu").click()
    page.locator("#logout").click()
    sign_in(page, "gv.toan")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/reviews/notifications")
    notices = page.locator("#notifications")
    expect(notices).to_contain_text("rejected “Phân số — ôn tập” (Licensing and attribution)")
    expect(notices).to_contain_text("is reviewing “Phân số — ôn tập”")
    expect(notices).to_contain_text("Thông báo cũ, chỉ có câu tiếng Việt.")

    page.goto("/materials/upload")
    expect(page.locator("#subject option[value=toan]")).to_have_text("Mathematics")
    expect(page.locator("#subject option[value=khtn]")).to_have_text("Natural Science")
