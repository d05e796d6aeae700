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
