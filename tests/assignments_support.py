"""Builders shared by the homework tests and the permission matrix (no tests here): approved
questions of known answers, assignments made through the real services, the demo's classrooms."""

from datetime import timedelta

from lms.accounts.models import User
from lms.assignments import services
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.schools.models import Classroom, School, Subject, Topic
from tests.questions_support import SINGLE, make_question

TRUE_FALSE = {"correct": True}
NUMERICAL = {"answers": [{"value": 3.5, "tolerance": 0, "weight": 100}]}
GROUP = {"statements": [{"id": s, "text": f"Ý {s}", "correct": s in "ac"} for s in "abcd"]}
MULTI = {"options": [{"id": "a", "text": "2", "weight": 50}, {"id": "b", "text": "3", "weight": 50},
                     {"id": "c", "text": "4", "weight": -100}]}


def user(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def classroom(name="6A1", school="THCS01"):
    return db.session.scalar(db.select(Classroom).join(School, School.id == Classroom.school_id)
                             .where(School.code == school, Classroom.name == name))


def topics(count=2, code="toan", grade=6):
    subject = db.session.scalar(db.select(Subject).where(Subject.code == code))
    return db.session.scalars(db.select(Topic).where(Topic.subject_id == subject.id, Topic.grade == grade)
                              .order_by(Topic.position).limit(count)).all()


def approved(count=1, topic=None, level="nhan_biet", owner="gv.toan", **overrides):
    """`count` approved questions (single choice, correct "c" unless overridden), flushed."""
    made, stem = [], overrides.pop("stem", None)
    for n in range(count):
        text = stem if stem and count == 1 else f"{stem or 'Câu'} {level} {topic.id if topic else 0} số {n} {owner}"
        made.append(make_question("approved", owner=owner, topic=topic.id if topic else None, level=level,
                                  stem=text, **overrides))
    return made


def fields(class_ids, **overrides):
    """An assignment's fields as the API takes them: a quiz open now, due in a day."""
    now = utcnow()
    data = {"title": "Luyện tập phân số", "instructions": "<p>Làm trong <strong>15 phút</strong></p>",
            "kind": "quiz", "class_ids": class_ids, "open_at": (now - timedelta(minutes=5)).isoformat(),
            "due_at": (now + timedelta(days=1)).isoformat()}
    data.update(overrides)
    return data


def make_assignment(teacher="gv.toan", classes=("6A1",), **overrides):
    """An assignment of `teacher` to their classrooms (THCS01 by default), flushed."""
    ids = [classroom(name).id for name in classes]
    return services.create_assignment(user(teacher), fields(ids, **overrides))


def quiz(questions=None, teacher="gv.toan", **overrides):
    """A committed quiz of hand-picked questions (three approved single-choice ones by default)."""
    questions = questions if questions is not None else approved(3)
    assignment = make_assignment(teacher, question_ids=[q.id for q in questions], **overrides)
    db.session.commit()
    return assignment


__all__ = ["SINGLE", "TRUE_FALSE", "NUMERICAL", "GROUP", "MULTI", "user", "classroom", "topics", "approved",
           "fields", "make_assignment", "quiz"]
