"""The repository end to end in Chromium: gv.toan uploads a PDF through the form (progress bar,
XMLHttpRequest) and submits it; reviewer.toan claims it, scores every criterion and approves;
hs.6a1.01 finds it in the library and opens its preview."""

import re

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from lms.review.services import ensure_default_criteria
from tests.files import pdf_with_text

pytestmark = pytest.mark.e2e

TITLE = "Phân số — phiếu ôn tập"


def sign_out(page):
    page.locator("#user-menu").click()
    page.locator("#logout").click()
    page.wait_for_url(re.compile(r"/login"))


def test_upload_review_and_read_a_pdf(page, sign_in, live_server, tmp_path):
    ensure_default_criteria()
    db.session.commit()
    pdf = pdf_with_text(tmp_path / "phieu-on-tap.pdf", "Phân số và số thập phân")

    # The teacher uploads and submits.
    sign_in(page, "gv.toan")
    page.get_by_role("link", name="Tải lên").click()
    page.locator("#title").fill(TITLE)
    page.locator("#subject").select_option("toan")
    page.locator("#grade").select_option("6")
    page.locator("#kind").select_option("worksheet")
    page.locator("#series").select_option("ket_noi")
    page.locator("#license").select_option("cc_by_sa")
    page.locator("#rights_confirmed").check()
    page.locator("input[type=file]").set_input_files(str(pdf))
    page.locator("#upload-submit").click()
    page.wait_for_url(re.compile(r"/materials/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("Đã tải lên")
    expect(page.locator("#material-title")).to_have_text(TITLE)
    expect(page.locator(".review-state")).to_have_attribute("data-state", "draft")
    page.locator("#wf-submit").click()
    expect(page.locator(".review-state")).to_have_attribute("data-state", "submitted")
    detail_url = page.url
    sign_out(page)

    # The reviewer claims it from the queue, scores every criterion and approves.
    sign_in(page, "reviewer.toan")
    page.goto("/reviews/queue")
    page.get_by_role("link", name=TITLE).click()
    page.locator("#wf-claim").click()
    expect(page.locator(".review-state")).to_have_attribute("data-state", "in_review")
    scores = page.locator("#decision-form select[name^=score_]")
    assert scores.count() == 6
    for index in range(scores.count()):
        scores.nth(index).select_option("3")
    # Chromium's PDF viewer takes the focus (and may scroll the page) once it has loaded, so a
    # mouse click can land on a moving target under load: decide with the keyboard instead, as a
    # keyboard user would.
    page.locator("#comment").fill("Đạt mọi tiêu chí.")
    page.locator("#decision-approve").focus()
    page.keyboard.press("Space")
    expect(page.locator("#decision-approve")).to_be_checked()
    page.locator("#decision-submit").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".review-state")).to_have_attribute("data-state", "approved")
    assert page.url.split("?")[0] == detail_url
    sign_out(page)

    # A student finds it in the library and opens its preview.
    sign_in(page, "hs.6a1.01")
    page.get_by_role("link", name="Thư viện học liệu", exact=True).click()
    page.locator("#f-subject").select_option("toan")
    page.locator("#filter-submit").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("#material-title")).to_have_text(TITLE)
    frame = page.locator("iframe#preview-pdf")
    expect(frame).to_be_attached()
    # preview.js gives the frame its src (from data-src) once the page has loaded: wait for it.
    expect(frame).to_have_attribute("src", re.compile(r"\S"))
    src = frame.get_attribute("src")
    answer = page.request.get(src)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-security-policy"] == "sandbox"
    assert answer.body().startswith(b"%PDF-")
    expect(page.locator("#download")).to_be_visible()
    page.wait_for_timeout(1500)  # let Chromium's PDF viewer paint, for the screenshot
    page.screenshot(path=tmp_path / "student-preview.png", full_page=True)
