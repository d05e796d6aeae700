"""Builders for the tests of handed-in work, grading and questions about the work (no tests here).

Assignments and attempts are made straight from the models (the assignment and attempt services
are another helper's and may not have landed): plain functions with keyword overrides, flushed,
the caller commits.
"""

import io
from datetime import timedelta
from decimal import Decimal

from PIL import Image

from lms.accounts.models import User
from lms.assignments.models import (
    Assignment,
    AssignmentQuestion,
    Attempt,
    AttemptQuestion,
    AttemptState,
)
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.schools.models import Classroom, School


def user(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def classroom(school_code="THCS01", name="6A1"):
    return db.session.scalar(db.select(Classroom).join(School).where(School.code == school_code,
                                                                    Classroom.name == name))


def make_assignment(kind="submission", teacher="gv.toan", classes=(("THCS01", "6A1"),), title="Bài viết số 1",
                    opened=timedelta(days=1), due_in=timedelta(days=2), cutoff_after_due=timedelta(days=1),
                    **overrides):
    """An assignment of `teacher` given to `classes`, opened `opened` ago, due in `due_in`
    (negative: past), with the cut-off `cutoff_after_due` after the due time (None: no cut-off)."""
    now = utcnow()
    owner = user(teacher)
    due = now + due_in
    assignment = Assignment(teacher_id=owner.id, school_id=owner.school_id, kind=kind, title=title,
                            instructions="<p>Viết một đoạn văn.</p>", open_at=now - opened, due_at=due,
                            cutoff_at=due + cutoff_after_due if cutoff_after_due is not None else None,
                            **overrides)
    assignment.classrooms = [classroom(code, name) for code, name in classes]
    db.session.add(assignment)
    db.session.flush()
    return assignment


def make_quiz_with_essays(teacher="gv.toan", essays=1, **overrides):
    """A quiz of one single-choice question (1 mark) and `essays` essay questions (2 marks each),
    pinned to their published versions."""
    from tests.questions_support import SINGLE, make_question

    assignment = make_assignment("quiz", teacher=teacher, title="Kiểm tra 15 phút", **overrides)
    choice = make_question("approved", owner=teacher, qtype="single_choice", data=SINGLE, stem="Phân số nào lớn nhất?")
    db.session.add(AssignmentQuestion(assignment=assignment, question=choice, version=choice.published_version,
                                      position=0, marks=Decimal(1)))
    for n in range(essays):
        essay = make_question("approved", owner=teacher, qtype="essay", data={},
                              stem=f"Trình bày cách so sánh hai phân số (câu {n + 1}).")
        db.session.add(AssignmentQuestion(assignment=assignment, question=essay, version=essay.published_version,
                                          position=n + 1, marks=Decimal(2)))
    db.session.flush()
    return assignment


def make_submitted_attempt(assignment, student="hs.6a1.01", choice_right=True, number=1):
    """A submitted attempt: the choice question scored, every essay answered and waiting."""
    owner = user(student)
    questions = sorted(assignment.questions, key=lambda q: q.position)
    attempt = Attempt(assignment_id=assignment.id, student_id=owner.id, number=number,
                      state=AttemptState.SUBMITTED.value, started_at=utcnow() - timedelta(minutes=10),
                      submitted_at=utcnow(), max_score=sum(q.marks for q in questions), needs_grading=True)
    score = Decimal(0)
    for position, question in enumerate(questions):
        if question.question.qtype == "essay":
            item = AttemptQuestion(assignment_question=question, position=position, marks=question.marks,
                                   answer=f"Quy đồng mẫu số rồi so sánh tử số ({student}).")
        else:
            fraction = Decimal(1) if choice_right else Decimal(0)
            score += fraction * question.marks
            item = AttemptQuestion(assignment_question=question, position=position, marks=question.marks,
                                   answer="c" if choice_right else "a", fraction=fraction)
        attempt.items.append(item)
    attempt.score = score
    db.session.add(attempt)
    db.session.flush()
    return attempt


def jpeg_with_orientation(orientation=6, size=(60, 20)):
    """A JPEG as a phone camera writes it: pixels stored landscape (wide), with the EXIF
    Orientation tag saying how to turn them (6: rotate 90° clockwise to view, so upright it is
    tall). The left half is red and the right half blue, so the turn's direction shows."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x8825] = {2: (10.0, 45.0, 0.0)}  # a GPS latitude: must not survive the re-encoding
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


def png_bytes(size=(30, 20), color=(0, 128, 0)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def walk_values():
    """Ids for the phone-width walk (tests/e2e/test_phone_width.py): a submission assignment with
    hs.6a1.01's work (a photo, processed) and a question, and a quiz with an essay to grade."""
    from lms.assignments import inquiries, submissions
    from lms.assignments.work_jobs import process_files
    from lms.files.services import upload_from_bytes

    work = make_assignment(title="Viết đoạn văn về chuyến tham quan: kể lại, nêu cảm nghĩ và bài học rút ra")
    submission = submissions.submit_work(work, user("hs.6a1.01"), "Chủ nhật vừa rồi lớp em đi tham quan...",
                                         [upload_from_bytes(jpeg_with_orientation(6, (600, 200)), "IMG_2041.JPG")])
    inquiries.ask(work, user("hs.6a1.01"), "Cô ơi, bài viết cần dài bao nhiêu chữ ạ?", public=True)
    quiz = make_quiz_with_essays()
    attempt = make_submitted_attempt(quiz)
    db.session.commit()
    process_files(submission.id)
    db.session.commit()
    essay = next(item for item in attempt.items if item.fraction is None)
    return {"assignment_id": [work.id, quiz.id], "submission_id": [submission.id], "position": [0],
            "item_id": [essay.id]}
