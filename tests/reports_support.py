"""A small district built row by row from the models, with every statistic of the reports known
by construction (the numbers in the comments are what tests/web/test_reports.py expects).

School year 2024-2025 (a past year, so every due date but one has passed whatever today is):
- school RA: teachers t1 (2 materials, 1 question, 2 assignments), t2 (1 assignment), t3 (nothing),
  t4 (inactive, not counted); classes 6A (s1–s4) and 7A (s5, s6);
- school RB: teachers t5 (a material of the year before, approved), t6 (nothing); class 6B (s7, s8).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from lms.accounts.models import Role, User
from lms.assignments.models import (
    Assignment,
    AssignmentQuestion,
    Attempt,
    Inquiry,
    MaterialView,
    Submission,
    assignment_classroom,
)
from lms.extensions import db
from lms.files.models import StoredFile
from lms.materials.models import Material, MaterialVersion
from lms.questions.models import Question, QuestionVersion
from lms.review.models import WorkflowEvent
from lms.schools.models import (
    Classroom,
    Enrollment,
    Guardian,
    Office,
    School,
    SchoolYear,
    Subject,
    Teaching,
    Topic,
)

UTC = dt.UTC
YEAR = "2024-2025"


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


@dataclass
class World:
    year: SchoolYear
    schools: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    topics: list = field(default_factory=list)
    items: dict = field(default_factory=dict)
    assignments: dict = field(default_factory=dict)


def _user(world, key, role, school, active=True):
    user = User(username=f"r.{key}", full_name=f"Người {key.upper()}", role=role.value, school_id=school.id,
                active=active)
    user.set_password("hoclieu-demo")
    db.session.add(user)
    world.users[key] = user
    return user


def _stored(n):
    row = StoredFile(sha256=f"{n:064x}", size=10, mime="application/pdf", kind_code="pdf", original_name=f"{n}.pdf")
    db.session.add(row)
    db.session.flush()
    return row


def _material(world, key, owner, school, subject, topic, state, created, published=None):
    material = Material(title=f"Học liệu {key}", kind="worksheet", license="cc_by", owner_id=owner.id,
                        school_id=school.id, subject_id=subject.id, grade=topic.grade, topic_id=topic.id,
                        state=state, created_at=created, updated_at=created)
    db.session.add(material)
    db.session.flush()
    version = MaterialVersion(material_id=material.id, number=1, stored_file_id=_stored(material.id + 100).id,
                              file_name="a.pdf", created_by_id=owner.id, created_at=created,
                              status="published" if published else "draft")
    db.session.add(version)
    db.session.flush()
    if published:
        material.published_version_id = version.id
        material.published_at = published
    world.items[key] = material
    return material


def _question(world, key, owner, school, subject, topic, state, created, published=None):
    question = Question(qtype="single_choice", owner_id=owner.id, school_id=school.id, subject_id=subject.id,
                        grade=topic.grade, topic_id=topic.id, state=state, created_at=created, updated_at=created,
                        summary="1 + 1 = ?")
    db.session.add(question)
    db.session.flush()
    version = QuestionVersion(question_id=question.id, number=1, stem="1 + 1 = ?", text_key=f"{question.id:064x}",
                              data={"options": [{"id": "a", "text": "2"}, {"id": "b", "text": "3"}], "correct": "a"},
                              created_by_id=owner.id, created_at=created,
                              status="published" if published else "draft")
    db.session.add(version)
    db.session.flush()
    question.current_version_id = version.id
    if published:
        question.published_version_id = version.id
        question.published_at = published
    world.items[key] = question
    return question


def _event(item, action, from_state, to_state, actor, when):
    db.session.add(WorkflowEvent(item_type=item.ITEM_TYPE, item_id=item.id, from_state=from_state, to_state=to_state,
                                 action=action, actor_id=actor.id, at=when))


def _assignment(world, key, kind, teacher, school, subject, classes, created, due, material=None):
    assignment = Assignment(kind=kind, title=f"Bài {key}", teacher_id=teacher.id, school_id=school.id,
                            subject_id=subject.id, material_id=material.id if material else None,
                            open_at=created, due_at=due, created_at=created, updated_at=created)
    db.session.add(assignment)
    db.session.flush()
    for room in classes:
        db.session.execute(assignment_classroom.insert().values(assignment_id=assignment.id, classroom_id=room.id))
    world.assignments[key] = assignment
    return assignment


def _attempt(assignment, student, number, state, submitted=None, late=False, mark=None):
    db.session.add(Attempt(assignment_id=assignment.id, student_id=student.id, number=number, state=state,
                           started_at=submitted or assignment.open_at, submitted_at=submitted, late=late,
                           mark=Decimal(mark) if mark is not None else None,
                           score=Decimal(mark) if mark is not None else None, max_score=Decimal(10)))


def build_world(now=None):
    now = now or dt.datetime.now(UTC)
    year = SchoolYear(name=YEAR, is_current=False)
    previous = SchoolYear(name="2023-2024", is_current=False)
    db.session.add_all([year, previous])
    office = db.session.scalar(db.select(Office).limit(1))
    world = World(year)
    ra = School(office_id=office.id, code="RA", name="Trường THCS Rạng Đông")
    rb = School(office_id=office.id, code="RB", name="Trường THCS Bình Minh")
    db.session.add_all([ra, rb])
    db.session.flush()
    world.schools.update(ra=ra, rb=rb)
    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    van = db.session.scalar(db.select(Subject).where(Subject.code == "ngu_van"))
    world.topics = db.session.scalars(db.select(Topic).where(Topic.subject_id == toan.id, Topic.grade == 6)
                                      .order_by(Topic.position).limit(4)).all()
    t1, t2, t3 = (_user(world, k, Role.TEACHER, ra) for k in ("t1", "t2", "t3"))
    _user(world, "t4", Role.TEACHER, ra, active=False)
    t5, _t6 = (_user(world, k, Role.TEACHER, rb) for k in ("t5", "t6"))
    admin_ra = _user(world, "admin_ra", Role.SCHOOL_ADMIN, ra)
    _user(world, "admin_rb", Role.SCHOOL_ADMIN, rb)
    students = {f"s{n}": _user(world, f"s{n}", Role.STUDENT, ra if n <= 6 else rb) for n in range(1, 9)}
    parent = User(username="r.parent", full_name="Phụ huynh S1", role=Role.PARENT.value)
    parent.set_password("hoclieu-demo")
    db.session.add(parent)
    db.session.flush()
    db.session.add(Guardian(parent_id=parent.id, student_id=students["s1"].id))
    rooms = {
        "6A": Classroom(school_id=ra.id, school_year_id=year.id, grade=6, name="6A"),
        "7A": Classroom(school_id=ra.id, school_year_id=year.id, grade=7, name="7A"),
        "6B": Classroom(school_id=rb.id, school_year_id=year.id, grade=6, name="6B"),
        "old": Classroom(school_id=ra.id, school_year_id=previous.id, grade=6, name="6A-cu"),
    }
    db.session.add_all(rooms.values())
    db.session.flush()
    world.classes = rooms
    for room, names in (("6A", ("s1", "s2", "s3", "s4")), ("7A", ("s5", "s6")), ("6B", ("s7", "s8"))):
        for name in names:
            db.session.add(Enrollment(student_id=students[name].id, classroom_id=rooms[room].id))
    db.session.add_all([Teaching(teacher_id=t1.id, classroom_id=rooms["6A"].id, subject_id=toan.id),
                        Teaching(teacher_id=t1.id, classroom_id=rooms["7A"].id, subject_id=van.id),
                        Teaching(teacher_id=t2.id, classroom_id=rooms["7A"].id, subject_id=toan.id)])
    T1, T2, T3, T4 = world.topics

    # Materials and questions. m1 approved after changes were requested (24 h, then 48 h); q1
    # approved in 12 h; m2 submitted three days ago and waiting; m3 of RB from the year before.
    m1 = _material(world, "m1", t1, ra, toan, T1, "approved", at(2024, 8, 20), published=at(2024, 9, 5, 8))
    m2 = _material(world, "m2", t1, ra, toan, T2, "submitted", at(2024, 9, 20))
    m2.submitted_at = now - dt.timedelta(days=3)
    q1 = _question(world, "q1", t1, ra, toan, T3, "approved", at(2024, 9, 9), published=at(2024, 9, 10, 12))
    m3 = _material(world, "m3", t5, rb, toan, T4, "approved", at(2023, 9, 1), published=at(2023, 9, 10))
    reviewer = admin_ra  # any user: the actor is not what the statistics read
    _event(m1, "submit", "draft", "submitted", t1, at(2024, 9, 1, 8))
    _event(m1, "request_changes", "in_review", "changes_requested", reviewer, at(2024, 9, 2, 8))
    _event(m1, "submit", "changes_requested", "submitted", t1, at(2024, 9, 3, 8))
    _event(m1, "approve", "in_review", "approved", reviewer, at(2024, 9, 5, 8))
    _event(q1, "submit", "draft", "submitted", t1, at(2024, 9, 10, 0))
    _event(q1, "approve", "in_review", "approved", reviewer, at(2024, 9, 10, 12))
    _event(m2, "submit", "draft", "submitted", t1, now - dt.timedelta(days=3))
    _event(m3, "submit", "draft", "submitted", t5, at(2023, 9, 2))
    _event(m3, "approve", "in_review", "approved", reviewer, at(2023, 9, 10))

    # Assignments. a1: quiz, Toán, 6A, using q1; a2: written work, Ngữ văn, 6A and 7A; a3: the
    # material m1 for 7A, due in 2099 (not due yet); a0: a class of the year before (not counted).
    a1 = _assignment(world, "a1", "quiz", t1, ra, toan, [rooms["6A"]], at(2024, 9, 15), at(2024, 10, 10))
    db.session.add(AssignmentQuestion(assignment_id=a1.id, question_id=q1.id,
                                      question_version_id=q1.current_version_id, position=1, marks=1))
    a2 = _assignment(world, "a2", "submission", t1, ra, van, [rooms["6A"], rooms["7A"]], at(2024, 10, 20),
                     at(2024, 11, 1))
    a3 = _assignment(world, "a3", "material", t2, ra, toan, [rooms["7A"]], at(2024, 10, 25), at(2099, 1, 1),
                     material=m1)
    _assignment(world, "a0", "quiz", t3, ra, toan, [rooms["old"]], at(2023, 10, 1), at(2023, 10, 10))
    s = students
    # a1: s1 two attempts (best mark 9; the first submitted 20:00 UTC on 30 Sept = 1 Oct in Hà Nội),
    # s2 late with 5, s3 still in progress, s4 nothing.
    _attempt(a1, s["s1"], 1, "submitted", at(2024, 9, 30, 20), mark="8.0")
    _attempt(a1, s["s1"], 2, "submitted", at(2024, 10, 2), mark="9.0")
    _attempt(a1, s["s2"], 1, "submitted", at(2024, 10, 11), late=True, mark="5.0")
    _attempt(a1, s["s3"], 1, "in_progress")
    # a2: s1 on time (6), s4 late (not marked), s5 on time (10).
    db.session.add_all([
        Submission(assignment_id=a2.id, student_id=s["s1"].id, submitted_at=at(2024, 10, 25), mark=Decimal("6.0")),
        Submission(assignment_id=a2.id, student_id=s["s4"].id, submitted_at=at(2024, 11, 3), late=True),
        Submission(assignment_id=a2.id, student_id=s["s5"].id, submitted_at=at(2024, 10, 30), mark=Decimal("10.0")),
        MaterialView(assignment_id=a3.id, student_id=s["s5"].id, material_id=m1.id, first_at=at(2024, 10, 26),
                     last_at=at(2024, 10, 26)),
        Inquiry(assignment_id=a1.id, student_id=s["s2"].id, body="Em chưa hiểu câu 1", answer="Xem lại bài 1",
                answered_by_id=t1.id, answered_at=at(2024, 10, 5), created_at=at(2024, 10, 4)),
    ])
    db.session.commit()
    return world
