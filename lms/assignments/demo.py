"""The demo district's homework (`flask lms seed-demo`): in THCS01 6A1, gv.toan gives a material to
read before class and a short quiz, and the class has done them the way a class does, so a
newcomer sees tracking with data at once.

- "Đọc trước: …" (an approved demo material of Toán 6): open since two days ago, due this morning
  (the lesson): a dozen students opened it before class, for a few minutes each, two only after,
  the rest never (missing).
- "Kiểm tra 15 phút: …" (the approved demo questions of gv.toan plus his own draft essay): due
  yesterday, accepted late until tomorrow, 20 minutes. Most submitted on time, a few late, two
  are still in the middle of it, the rest have not started; the teacher has marked every essay
  but two (one handed in on time, one late), which wait in the grading queue.

Everything goes through the real services (assignments.services, attempts, marking), at times
relative to now (the services take `now`), and costs no password hashing. Idempotent: an
assignment of gv.toan with the same title is left as it is.
"""

from datetime import timedelta

from ..accounts.models import User
from ..core.timeutil import utcnow
from ..extensions import db
from ..materials.models import Material
from ..questions.models import Question
from ..schools.models import Classroom, Enrollment, School
from . import attempts, marking, services
from .models import Assignment, AttemptQuestion

MATERIAL_TITLE = "Đọc trước: {title}"
QUIZ_TITLE = "Kiểm tra 15 phút: Số tự nhiên và phân số"
# Student n (1-based, in username order) → what they did with the quiz.
ON_TIME, LATE, IN_PROGRESS = range(1, 19), range(19, 23), range(23, 25)
UNGRADED_ESSAYS = (5, 20)  # essays left in the grading queue: one on time, one late
# ... and with the material: read before class, or only after.
READ_BEFORE, READ_AFTER = range(1, 13), range(13, 15)


def _students(classroom):
    return db.session.scalars(db.select(User).join(Enrollment, Enrollment.student_id == User.id)
                              .where(Enrollment.classroom_id == classroom.id).order_by(User.username)).all()


def _exists(teacher, title):
    return db.session.scalar(db.select(Assignment.id).where(Assignment.teacher_id == teacher.id,
                                                            Assignment.title == title).limit(1)) is not None


def _answers(items, n, right):
    """Answers for an attempt's items: right ones for a good student, some wrong for others."""
    answers = {}
    for k, item in enumerate(items):
        question = item.assignment_question.question
        data = item.assignment_question.version.data
        if question.qtype == "essay":
            answers[question.id] = "Gọi ba số tự nhiên liên tiếp là n, n + 1, n + 2. Tổng của chúng là 3n + 3 = " \
                                   "3(n + 1), chia hết cho 3."
            continue
        from ..questions import types

        qtype = types.get(question.qtype)
        answer = qtype.correct_answer(data)
        if not right(k):
            if question.qtype == "single_choice":
                answer = next(o["id"] for o in data["options"] if o["id"] != answer)
            elif question.qtype == "true_false":
                answer = not answer
            elif question.qtype == "numerical":
                answer = answer + 1 if isinstance(answer, (int, float)) else "0"
            elif question.qtype == "multiple_choice":
                answer = answer[:1]
            elif question.qtype == "true_false_group":
                answer = {key: (not value if key == "a" else value) for key, value in answer.items()}
        answers[question.id] = answer
    return answers


def _material_assignment(teacher, classroom, now):
    material = db.session.scalar(
        db.select(Material).where(Material.published_version_id.is_not(None), Material.state == "approved",
                                  Material.grade == 6)
        .order_by((Material.owner_id != teacher.id), Material.id).limit(1))
    if material is None:
        return None
    title = MATERIAL_TITLE.format(title=material.title)[:200]
    if _exists(teacher, title):
        return None
    due = now.replace(hour=0, minute=30, second=0, microsecond=0)  # 07:30 in Hà Nội: this morning's lesson
    if due > now:
        due -= timedelta(days=1)
    assignment = services.create_assignment(teacher, {
        "title": title, "kind": "material", "class_ids": [classroom.id], "material_id": material.id,
        "instructions": "<p>Các em đọc trước phiếu học tập, ghi lại câu hỏi để hỏi trên lớp.</p>",
        "open_at": (due - timedelta(days=2)).isoformat(), "due_at": due.isoformat()})
    for n, student in enumerate(_students(classroom), start=1):
        if n in READ_BEFORE:
            opened = due - timedelta(hours=20 - n)
        elif n in READ_AFTER:
            opened = due + timedelta(minutes=40 * n)
        else:
            continue
        services.record_view(assignment, student, now=opened)
        services.record_view(assignment, student, seconds=90 + 37 * n, now=opened + timedelta(minutes=5))
    return assignment


def _quiz(teacher, classroom, now):
    if _exists(teacher, QUIZ_TITLE):
        return None
    approved = db.session.scalars(
        db.select(Question.id).where(Question.owner_id == teacher.id, Question.published_version_id.is_not(None),
                                     Question.state == "approved").order_by(Question.id).limit(5)).all()
    essay = db.session.scalar(db.select(Question.id).where(Question.owner_id == teacher.id,
                                                           Question.qtype == "essay").order_by(Question.id).limit(1))
    if not approved:
        return None
    due = now - timedelta(days=1)
    assignment = services.create_assignment(teacher, {
        "title": QUIZ_TITLE, "kind": "quiz", "class_ids": [classroom.id],
        "instructions": "<p>Làm trong 20 phút. Câu cuối trình bày lời giải.</p>",
        "question_ids": approved + ([essay] if essay else []), "time_limit_minutes": 20,
        "open_at": (due - timedelta(days=2)).isoformat(), "due_at": due.isoformat(),
        "cutoff_at": (now + timedelta(days=1)).isoformat(), "show_answers": "after_due"})
    for n, student in enumerate(_students(classroom), start=1):
        if n in ON_TIME:
            started = due - timedelta(hours=30 - n)
        elif n in LATE:
            started = due + timedelta(hours=n - 12)
        elif n in IN_PROGRESS:
            started = now - timedelta(minutes=n - 18)
        else:
            continue
        attempt, _created = attempts.start(assignment, student, now=started)
        items = db.session.scalars(db.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                                   .order_by(AttemptQuestion.position)).all()
        answers = _answers(items, n, lambda k, n=n: (n * 7 + k * 3) % 10 >= 3)
        if n in IN_PROGRESS:
            answers = dict(list(answers.items())[:2])
        attempts.save_answers(attempt, student, answers, now=started + timedelta(minutes=6))
        if n in IN_PROGRESS:
            continue
        attempts.submit(attempt, student, now=started + timedelta(minutes=9 + n % 9))
        for item in items:
            if marking.is_hand_graded(item) and n not in UNGRADED_ESSAYS:
                db.session.flush()
                db.session.refresh(attempt)
                mark = "8" if n % 3 else "6,5"
                marking.grade_essay(item, teacher, mark, "Lập luận đúng; trình bày cần gọn hơn.",
                                    attempt.lock_version)
    return assignment


def seed_demo_assignments(users=None, now=None):
    """Create the demo homework that does not exist yet; returns how many assignments the demo has."""
    now = now or utcnow()
    users = users or {}
    teacher = users.get("gv.toan") or db.session.scalar(db.select(User).where(User.username == "gv.toan"))
    classroom = db.session.scalar(db.select(Classroom).join(School, School.id == Classroom.school_id)
                                  .where(School.code == "THCS01", Classroom.name == "6A1"))
    if teacher is None or classroom is None:
        return 0
    _material_assignment(teacher, classroom, now)
    _quiz(teacher, classroom, now)
    db.session.flush()
    return db.session.scalar(db.select(db.func.count(Assignment.id)).where(Assignment.teacher_id == teacher.id))
