"""Issue 9.6: the upload form follows the teacher.

The topic list keeps the topics of the chosen subject and grade (273 topics otherwise), without a
reload; the kind follows the chosen file's type; each licence is explained in one line; "Tác giả"
and "Nguồn" show only when the teacher is not the author; a refusal shows each error at its field
and keeps the chosen file and everything typed.
"""

import re

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from lms.schools.models import Subject, Topic

pytestmark = pytest.mark.e2e


def topic_pairs(page):
    """(subject, grade) of every topic the list offers."""
    return set(page.locator("#topic option[data-subject]").evaluate_all(
        "options => options.map(o => o.dataset.subject + ' ' + o.dataset.grade)"))


def count_topics(code, grade):
    return db.session.scalar(db.select(db.func.count(Topic.id)).join(Subject)
                             .where(Subject.code == code, Topic.grade == grade))


def test_topics_follow_subject_and_grade(page, sign_in):
    sign_in(page, "gv.toan")
    page.goto("/materials/upload")
    # gv.toan teaches Toán 6: the form starts there, with Toán 6's topics only.
    expect(page.locator("#subject")).to_have_value("toan")
    expect(page.locator("#grade")).to_have_value("6")
    assert topic_pairs(page) == {"toan 6"}
    assert page.locator("#topic option[data-subject]").count() == count_topics("toan", 6)

    page.locator("#grade").select_option("8")
    assert topic_pairs(page) == {"toan 8"}
    page.locator("#subject").select_option("khtn")
    assert topic_pairs(page) == {"khtn 8"}
    assert page.locator("#topic option[data-subject]").count() == count_topics("khtn", 8)
    chosen = page.locator("#topic option[data-subject]").nth(2)
    page.locator("#topic").select_option(chosen.get_attribute("value"))
    page.locator("#grade").select_option("7")  # the chosen topic is not grade 7's: cleared
    expect(page.locator("#topic")).to_have_value("")


def test_kind_follows_the_file_licence_is_explained_author_fields_hide(page, sign_in, make):
    sign_in(page, "gv.toan")
    page.goto("/materials/upload")
    kind, file = page.locator("#kind"), page.locator("#file")
    expect(kind).to_have_value("")
    file.set_input_files(str(make.pdf("phieu-hoc-tap.pdf")))
    expect(kind).to_have_value("worksheet")
    file.set_input_files(str(make.pptx("bai-giang.pptx")))
    expect(kind).to_have_value("slides")
    file.set_input_files(str(make.mp4("thi-nghiem.mp4")))
    expect(kind).to_have_value("video")
    # A kind picked by hand that takes the file stays; one that does not follows the file.
    kind.select_option("etextbook")
    file.set_input_files(str(make.pdf("sach.pdf")))
    expect(kind).to_have_value("etextbook")
    file.set_input_files(str(make.mp4("clip.mp4")))
    expect(kind).to_have_value("video")

    help_line = page.locator("#license-help")
    page.locator("#license").select_option("cc_by_sa")
    expect(help_line).to_have_text(re.compile("bản sửa phải chia sẻ theo đúng giấy phép này"))
    page.locator("#license").select_option("school_only")
    expect(help_line).to_have_text(re.compile("không được sửa hay chia sẻ ra ngoài"))
    page.locator("#license-list summary").click()
    expect(page.locator("#license-list dd")).to_have_count(6)

    author_is_me = page.locator("#uploader_is_author")
    expect(author_is_me).to_be_checked()
    expect(page.locator("#author")).to_be_hidden()
    expect(page.locator("#source")).to_be_hidden()
    author_is_me.uncheck()
    expect(page.locator("#author")).to_be_visible()
    expect(page.locator("#author")).to_have_attribute("required", "")
    expect(page.locator("#source")).to_have_attribute("required", "")
    author_is_me.check()
    expect(page.locator("#author")).to_be_hidden()


def test_refusal_shows_errors_at_their_fields_and_keeps_the_file(page, sign_in, make):
    sign_in(page, "gv.toan")
    page.goto("/materials/upload")
    expect(page.locator("#title")).to_have_attribute("required", "")
    expect(page.locator("#rights_confirmed")).to_have_attribute("required", "")
    page.locator("#title").fill("Ôn tập phân số")
    page.locator("#description").fill("Phiếu cho tiết luyện tập")
    page.locator("#file").set_input_files(str(make.pdf("on-tap.pdf")))
    page.locator("#uploader_is_author").uncheck()
    page.locator("#author").fill("Tổ Toán trường bạn")
    page.locator("#rights_confirmed").check()
    # The browser asks for the source first; sent anyway, the server says it at the field.
    page.locator("#upload-submit").click()
    assert page.locator("#source").evaluate("el => el.validity.valueMissing")
    page.locator("#upload-form").evaluate("form => { form.noValidate = true; }")
    page.locator("#upload-submit").click()

    expect(page.locator("#source")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#source-error")).to_have_text("Cần ghi nguồn khi bạn không phải là tác giả.")
    expect(page.locator("#upload-error")).to_be_visible()
    expect(page.locator("#upload-error li")).to_have_count(0)  # nothing left that names no field
    expect(page.locator("#title")).to_have_value("Ôn tập phân số")
    expect(page.locator("#author")).to_have_value("Tổ Toán trường bạn")
    assert page.locator("#file").evaluate("el => el.files.length") == 1

    page.locator("#source").fill("Sách bài tập Toán 6")
    page.locator("#upload-submit").click()
    page.wait_for_url(re.compile(r"/materials/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("Đã tải lên")
    expect(page.locator("#metadata")).to_contain_text("Phiếu học tập")  # the kind the file gave
