"""Builders shared by the question bank tests and the permission matrix (no tests here): questions
walked through the real services into the state a test needs."""

from lms.accounts.models import User
from lms.extensions import db
from lms.questions import services
from lms.review import services as review_services

SINGLE = {"options": [{"id": "a", "text": "\\(\\frac{1}{2}\\)"}, {"id": "b", "text": "\\(\\frac{2}{3}\\)"},
                      {"id": "c", "text": "\\(\\frac{3}{4}\\)"}], "correct": "c"}


def user(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def fields(**overrides):
    data = {"subject": "toan", "grade": "6", "qtype": "single_choice", "level": "nhan_biet",
            "stem": "Phân số nào lớn nhất?", "data": SINGLE, "explanation": "So sánh sau khi quy đồng.",
            "tags": ["phân số"]}
    data.update(overrides)
    return data


def approve(question, reviewer="reviewer.toan"):
    from lms.review.queries import criteria

    review_services.decide(question, user(reviewer), "approve", "Đạt.", {c.code: 3 for c in criteria()})


def walk(question, state, owner="gv.toan", reviewer="reviewer.toan"):
    """Move a draft question to `state` through the real workflow."""
    if state == "draft":
        return question
    review_services.submit(question, user(owner))
    if state == "submitted":
        return question
    review_services.claim(question, user(reviewer))
    if state == "in_review":
        return question
    if state in ("approved", "withdrawn"):
        approve(question, reviewer)
        if state == "withdrawn":
            review_services.withdraw(question, user(owner), "Gỡ xuống")
        return question
    decision = "request_changes" if state == "changes_requested" else "reject"
    review_services.decide(question, user(reviewer), decision, "Đáp án sai.", reason_code="content_accuracy")
    return question


def make_question(state="draft", owner="gv.toan", reviewer="reviewer.toan", **overrides):
    """A question of `owner` in `state`, flushed (the caller commits)."""
    review_services.ensure_default_criteria()
    question = services.create_question(user(owner), fields(**overrides))
    return walk(question, state, owner, reviewer)


AIKEN = """Thủ đô của Việt Nam là thành phố nào?
A. Hà Nội
B. Huế
C. Đà Nẵng
ANSWER: A

Số nào là số nguyên tố?
A. 4
B. 9
C. 7
D. 15
ANSWER: C
"""


def png(color=(200, 30, 30), size=(6, 4), comment=b""):
    """A small PNG; `comment`: bytes appended after IEND (the re-encoded copy drops them)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue() + comment


def word_with_pictures(broken=False):
    """A .docx: Câu 1 has a picture in its stem and one in option B (the answer, starred); Câu 2
    none. `broken`: the second picture's bytes are replaced by a PDF's."""
    import io
    import zipfile

    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Câu 1. Hình nào là hình tam giác?")
    document.add_paragraph().add_run().add_picture(io.BytesIO(png((10, 200, 10))))
    document.add_paragraph("A. Hình vuông")
    option = document.add_paragraph("*B. ")
    option.add_run().add_picture(io.BytesIO(png((10, 10, 200), size=(5, 5))))
    document.add_paragraph("Câu 2. Một cộng một bằng mấy?")
    document.add_paragraph("A. 1")
    document.add_paragraph("*B. 2")
    out = io.BytesIO()
    document.save(out)
    data = out.getvalue()
    if not broken:
        return data
    source, rebuilt = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    media = sorted(n for n in source.namelist() if n.startswith("word/media/"))
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, b"%PDF-1.4\n%fake\n" if name == media[-1] else content)
    return rebuilt.getvalue()
