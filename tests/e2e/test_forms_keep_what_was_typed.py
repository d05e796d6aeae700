"""Issue 9.1: a refused form keeps what was typed, says each error at its field, and marks its
required fields so the browser says it before the server does.

The reviewer's decision form is the worst case (every score and the note were wiped by one
unscored criterion); the other forms are checked the same way: login, change password, a review
criterion, an administration form, the student import.
"""

import re

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from tests.e2e.conftest import press
from tests.materials_support import make_material

pytestmark = pytest.mark.e2e

NOTE = "Bài tập 3 cần thêm hình vẽ minh hoạ; phần đáp án trang 4 còn thiếu đơn vị."


def is_missing(locator):
    """The browser's own verdict: the field is required and empty."""
    return locator.evaluate("el => el.validity.valueMissing")


def server_check(page, form):
    """Turn the browser's check off, to see what the server says when a form reaches it anyway."""
    page.locator(form).evaluate("form => { form.noValidate = true; }")


def test_refused_decision_keeps_every_score_and_the_note(page, sign_in, live_server):
    material = make_material("in_review", title="Phiếu ôn tập phân số")
    db.session.commit()
    sign_in(page, "reviewer.toan")
    page.goto(f"/materials/{material.id}")
    scores = page.locator("#decision-form select[name^=score_]")
    count = scores.count()
    assert count == 6
    for index in range(count - 1):  # every criterion but the last
        scores.nth(index).select_option("3" if index % 2 else "na")
    page.locator("#comment").fill(NOTE)
    press(page.locator("#decision-approve"))
    last = scores.nth(count - 1)
    last_name = last.get_attribute("name")

    # The browser stops it first: approving needs every score.
    expect(last).to_have_attribute("required", "")
    press(page.locator("#decision-submit"), "Enter")
    assert is_missing(last)
    assert page.url.endswith(f"/materials/{material.id}")
    expect(page.locator(".alert-danger")).to_have_count(0)

    # Sent anyway, the server refuses it and shows the form again as it was, the error at the field.
    server_check(page, "#decision-form")
    press(page.locator("#decision-submit"), "Enter")
    expect(page.locator(".alert-danger")).to_contain_text("Điểm thẩm định chưa hợp lệ")
    for index in range(count - 1):
        expect(scores.nth(index)).to_have_value("3" if index % 2 else "na")
    expect(page.locator("#comment")).to_have_value(NOTE)
    expect(page.locator("#decision-approve")).to_be_checked()
    expect(last).to_have_class(re.compile(r"\bis-invalid\b"))
    error = page.locator(f"#{last_name}-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Thiếu điểm")
    assert f"{last_name}-error" in last.get_attribute("aria-describedby")
    # One sentence per field, not one run-on flash.
    expect(page.locator(".alert-danger")).not_to_contain_text("Thiếu điểm")
    expect(page.locator(".review-state").first).to_have_attribute("data-state", "in_review")

    # Asking for changes needs a reason and a note: the page now requires them, not the scores.
    press(page.locator("#decision-request_changes"))
    expect(page.locator("#reason_code")).to_have_attribute("required", "")
    expect(page.locator("#comment")).to_have_attribute("required", "")
    expect(last).not_to_have_attribute("required", "")

    # Completed, it goes through.
    press(page.locator("#decision-approve"))
    last.select_option("2")
    press(page.locator("#decision-submit"), "Enter")
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi nhận kết quả thẩm định")
    expect(page.locator(".review-state").first).to_have_attribute("data-state", "approved")


def test_sign_in_and_password_forms(page, sign_in):
    page.goto("/login")
    username = page.locator("input[name=username]")
    expect(username).to_have_attribute("required", "")
    page.locator("main button[type=submit]").click()
    assert is_missing(username) and page.url.endswith("/login")

    username.fill("gv.toan")
    page.locator("input[name=password]").fill("sai-mat-khau")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(username).to_have_value("gv.toan")

    sign_in(page, "gv.toan")
    page.goto("/account/password")
    page.locator("#current_password").fill("khong-dung-mat-khau")
    page.locator("#new_password").fill("mat-khau-moi-123")
    page.locator("#confirm").fill("mat-khau-moi-123")
    page.locator("main button[type=submit]").click()
    expect(page.locator("#current_password")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#current_password-error")).to_contain_text("Không đúng")


def test_criterion_form(page, sign_in, criteria):
    sign_in(page, "admin")
    page.goto("/reviews/criteria/new")
    title = page.locator("#title")
    expect(title).to_have_attribute("required", "")
    expect(page.locator("label[for=title]")).to_have_class(re.compile(r"\brequired\b"))
    page.locator("#criterion-submit").click()
    assert is_missing(page.locator("#code")) and page.url.endswith("/reviews/criteria/new")

    page.locator("#code").fill("pedagogy")  # taken
    title.fill("Tính sư phạm (bản mới)")
    page.locator("#description").fill("Mô tả đã gõ")
    page.locator("#criterion-submit").click()
    expect(page.locator("#code")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#code-error")).to_contain_text("Mã này đã có")
    expect(title).to_have_value("Tính sư phạm (bản mới)")
    expect(page.locator("#description")).to_have_value("Mô tả đã gõ")


def test_administration_forms(page, sign_in):
    sign_in(page, "admin")
    page.goto("/admin/schools/new")
    code = page.locator("#code")
    expect(code).to_have_attribute("required", "")
    page.locator("main form button[type=submit]").click()
    assert is_missing(code) and page.url.endswith("/admin/schools/new")

    code.fill("THCS01")  # taken
    page.locator("#name").fill("Trường THCS Mới Mở")
    page.locator("main form button[type=submit]").click()
    expect(code).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#code-error")).to_be_visible()
    expect(page.locator("#name")).to_have_value("Trường THCS Mới Mở")

    page.goto("/admin/users/new")
    page.locator("#username").fill("gv.toan")  # taken
    page.locator("#full_name").fill("Nguyễn Văn Trùng")
    page.locator("#role").select_option("teacher")
    page.locator("#school_id").select_option(index=1)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#username")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#full_name")).to_have_value("Nguyễn Văn Trùng")
    expect(page.locator("#role")).to_have_value("teacher")


def test_student_import_needs_a_file(page, sign_in):
    sign_in(page, "bgh.thcs01")
    page.goto("/admin/students/import")
    file = page.locator("main input[type=file]")
    expect(file).to_have_attribute("required", "")
    posted = []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    page.locator("main form button[type=submit]").click()
    page.wait_for_timeout(300)
    assert is_missing(file) and not posted  # the browser said it; nothing was sent
