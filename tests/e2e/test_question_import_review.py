"""The question bank end to end in Chromium on a 390 px phone: gv.toan imports a Word file (built
here with python-docx), sees each question as understood, picks the answer of the one the file did
not mark, confirms and submits the set; reviewer.toan approves it on the bulk review page."""

import re

import pytest
from docx import Document
from playwright.sync_api import expect

from lms.extensions import db
from lms.questions.models import Question
from lms.review.services import ensure_default_criteria

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def word_file(path):
    document = Document()
    document.add_paragraph("ĐỀ ÔN TẬP CHƯƠNG 2 — TOÁN 6")
    document.add_paragraph("Câu 1. [NB] Số nào chia hết cho cả 2 và 5?")
    document.add_paragraph("A. 25")
    document.add_paragraph("*B. 40")
    document.add_paragraph("C. 52")
    document.add_paragraph("D. 55")
    document.add_paragraph("Câu 2. [TH] Ước chung lớn nhất của 12 và 18 là")
    document.add_paragraph("A. 3\tB. 6\tC. 36\tD. 2")
    document.add_paragraph("Đáp án: B")
    document.add_paragraph("Câu 3. Bội chung nhỏ nhất của 4 và 6 là")  # no mark: the teacher picks
    document.add_paragraph("A. 12")
    document.add_paragraph("B. 24")
    document.add_paragraph("C. 2")
    document.add_paragraph("D. 10")
    document.add_paragraph("Câu 4. [VD] Ước chung lớn nhất của 18 và 27 là")  # no mark either
    document.add_paragraph("A. 9\tB. 3\tC. 54\tD. 6")
    document.save(path)
    return path


def fits_the_phone(page):
    page.wait_for_load_state("load")  # measured once the stylesheets apply, not mid-navigation
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def sign_out(page):
    page.locator(".navbar-toggler").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))  # opened, not sliding
    page.locator("#user-menu").click()
    page.locator("#logout").click()
    page.wait_for_url(re.compile(r"/login"))


def test_import_a_word_file_submit_the_set_and_approve_it_on_one_page(page, sign_in, live_server, tmp_path):
    ensure_default_criteria()
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, "gv.toan")
    page.goto("/questions/import")
    page.locator("#format").select_option("docx")
    page.locator("#subject").select_option("toan")
    page.locator("#grade").select_option("6")
    page.locator("#file").set_input_files(str(word_file(tmp_path / "on-tap.docx")))
    page.locator("#import-preview").click()
    page.wait_for_url(re.compile(r"/questions/imports/\d+$"))
    expect(page.locator(".preview-question")).to_have_count(4)
    expect(page.locator("#preview-unresolved")).to_be_visible()  # two answers the file does not tell
    expect(page.locator(".unresolved")).to_have_count(2)
    fits_the_phone(page)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0  # nothing before confirming

    page.locator("#confirm-import").click()  # without a pick the page says so and writes nothing
    expect(page.locator("#choice_2-error")).to_contain_text("chọn đáp án hoặc bỏ qua")
    expect(page.locator("#choice_3-error")).to_contain_text("chọn đáp án hoặc bỏ qua")
    for block in page.locator(".unresolved").all():  # the teacher picks A for both
        block.locator("input[type=radio]").first.check()
    page.locator("#confirm-import").click()
    expect(page.locator("#set-list li")).to_have_count(4)
    fits_the_phone(page)
    page.locator("#submit-set").click()
    expect(page.locator("#set-list li[data-state=submitted]")).to_have_count(4)
    set_url = page.url
    sign_out(page)

    sign_in(page, "reviewer.toan")
    page.goto(set_url + "/review")
    expect(page.locator("#bulk-list > li")).to_have_count(4)
    fits_the_phone(page)
    for select in page.locator("#bulk-scores select").all():
        select.select_option("3")
    page.locator("#approve-all").click()
    page.locator("#bulk-submit").click()
    expect(page.locator("#nothing-pending")).to_be_visible()
    db.session.expire_all()
    questions = db.session.scalars(db.select(Question).order_by(Question.id)).all()
    assert [q.state for q in questions] == ["approved"] * 4
    assert [q.current_version.data["correct"] for q in questions] == ["b", "b", "a", "a"]
