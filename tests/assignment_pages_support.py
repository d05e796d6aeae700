"""Builders for the homework page tests, the permission matrix and the phone-width walk (no tests
here): assignments of gv.toan to 6A1 of THCS01, with approved questions of the bank pinned, and a
student's attempt, written straight to the models (the page tests check the pages, not the rules
of making an assignment, which the service tests cover)."""

from datetime import timedelta

from lms.extensions import db
from lms.questions import types
from lms.schools.models import Classroom, School, Subject
from tests.questions_support import make_question, user

CHOICE = {"options": [{"id": "a", "text": "\\(\\frac{1}{2}\\)"}, {"id": "b", "text": "\\(\\frac{2}{3}\\)"},
                      {"id": "c", "text": "\\(\\frac{3}{4}\\)"}], "correct": "c"}
# One question of each kind a student types into, as the offline test answers them.
QUIZ_QUESTIONS = [
    {"qtype": "single_choice", "stem": "Phân số nào lớn nhất?", "data": CHOICE},
    {"qtype": "true_false", "stem": "Số 7 là số nguyên tố.", "data": {"correct": True}},
    {"qtype": "short_answer", "stem": "Thủ đô của Việt Nam là thành phố nào?",
     "data": {"answers": [{"text": "Hà Nội", "weight": 100}]}},
    {"qtype": "numerical", "stem": "Tính \\(1{,}5 + 2\\).", "data": {"answers": [{"value": 3.5, "tolerance": 0}]}},
]


def classroom(name="6A1", school="THCS01"):
    return db.session.scalar(db.select(Classroom).join(School).where(School.code == school,
                                                                     Classroom.name == name))


def approved_questions(specs=QUIZ_QUESTIONS, **overrides):
    return [make_question("approved", **{**spec, **overrides}) for spec in specs]


def make_assignment(kind="quiz", teacher="gv.toan", classes=("6A1",), questions=None, material=None,
                    title=None, now=None, **fields):
    """An assignment written to the models, flushed (the caller commits). A quiz gets its
    questions' published versions pinned, one mark each."""
    from lms.assignments.models import Assignment, AssignmentQuestion
    from lms.core.timeutil import utcnow

    now = now or utcnow()
    owner = user(teacher)
    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    assignment = Assignment(
        teacher_id=owner.id, school_id=owner.school_id, kind=kind, subject_id=toan.id,
        title=title or {"quiz": "Kiểm tra 15 phút: phân số", "material": "Đọc trước bài Phân số",
                        "submission": "Bài tập về nhà: phân số"}[kind],
        instructions="<p>Làm cẩn thận, <strong>ghi rõ</strong> đơn vị.</p>",
        open_at=now - timedelta(hours=1), due_at=now + timedelta(days=2), **fields)
    assignment.classrooms = [classroom(name) for name in classes]
    if material is not None:
        assignment.material_id = material.id
        assignment.material_version_id = material.published_version_id
    db.session.add(assignment)
    for position, question in enumerate(questions or []):
        db.session.add(AssignmentQuestion(assignment=assignment, question_id=question.id,
                                          question_version_id=question.published_version_id,
                                          position=position, marks=1))
    db.session.flush()
    return assignment


def make_attempt(assignment, student="hs.6a1.01", answers=None, submitted=False):
    """A student's attempt with the assignment's questions in order; `answers` {position: answer}."""
    from lms.assignments.models import Attempt, AttemptQuestion, AttemptState
    from lms.core.timeutil import utcnow

    attempt = Attempt(assignment_id=assignment.id, student_id=user(student).id, number=1,
                      state=AttemptState.IN_PROGRESS.value, max_score=len(assignment.questions))
    if assignment.time_limit_minutes:
        attempt.deadline_at = utcnow() + timedelta(minutes=assignment.time_limit_minutes)
    db.session.add(attempt)
    for position, aq in enumerate(assignment.questions):
        attempt.items.append(AttemptQuestion(assignment_question_id=aq.id, position=position, marks=aq.marks,
                                             answer=(answers or {}).get(position)))
    if submitted:
        score = 0
        for item, aq in zip(attempt.items, assignment.questions, strict=True):
            kind = types.get(aq.question.qtype)
            item.fraction = kind.score(aq.version.data, item.answer) if item.answer is not None else 0
            score += item.fraction or 0
        attempt.state = AttemptState.SUBMITTED.value
        attempt.submitted_at = utcnow()
        attempt.score = score
        attempt.mark = round(10 * score / max(len(attempt.items), 1), 1)
    db.session.flush()
    return attempt


def walk_values():
    """Ids for the phone-width walk (tests/e2e/test_phone_width.py): a quiz with a long title and
    hs.6a1.01's attempt in progress (the quiz page), another already submitted (the result page),
    and a material to read (the student's page with the material)."""
    from tests.e2e.test_phone_width import LONG_TITLE
    from tests.materials_support import make_material

    questions = approved_questions()
    taking = make_assignment(questions=questions, title=f"Kiểm tra: {LONG_TITLE}", time_limit_minutes=15)
    done = make_assignment(questions=questions, title="Kiểm tra 15 phút: phân số (đã nộp)")
    answers = {0: "c", 1: True, 2: "Hà Nội", 3: 3.5}
    attempts = [make_attempt(taking, answers={0: "b"}), make_attempt(done, answers=answers, submitted=True)]
    material = make_material("approved", title=LONG_TITLE)
    reading = make_assignment("material", material=material, title=f"Đọc trước: {LONG_TITLE}")
    db.session.commit()
    return {"assignment_id": [taking.id, done.id, reading.id], "attempt_id": [a.id for a in attempts]}
