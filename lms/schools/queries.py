"""Reads about schools and classes."""

from ..accounts.models import Role, User
from ..core.text import fold
from ..extensions import db
from .models import Classroom, Enrollment, School, Subject, SubjectGroup, Teaching, Topic


def subjects():
    return db.session.scalars(db.select(Subject).order_by(Subject.position, Subject.code)).all()


def subject_by_code(code):
    return db.session.scalar(db.select(Subject).where(Subject.code == code))


def class_ids_for(user):
    if user.role == Role.STUDENT:
        query = db.select(Enrollment.classroom_id).where(Enrollment.student_id == user.id)
    elif user.role == Role.TEACHER:
        query = db.select(Teaching.classroom_id).where(Teaching.teacher_id == user.id).distinct()
    else:
        return []
    return sorted(db.session.scalars(query).all())


def schools():
    return db.session.scalars(db.select(School).order_by(School.code)).all()


def school_by_code(code):
    return db.session.scalar(db.select(School).where(School.code == (code or "").upper()))


def classrooms_of(school, year=None):
    query = db.select(Classroom).where(Classroom.school_id == school.id)
    if year is not None:
        query = query.where(Classroom.school_year_id == year.id)
    return db.session.scalars(query.order_by(Classroom.grade, Classroom.name)).all()


def students_of(classroom):
    """A class list, in Vietnamese name order (User.name_sort)."""
    return db.session.scalars(
        db.select(User).join(Enrollment, Enrollment.student_id == User.id)
        .where(Enrollment.classroom_id == classroom.id).order_by(User.name_sort, User.username)).all()


def teachings_of(user):
    return db.session.scalars(db.select(Teaching).where(Teaching.teacher_id == user.id)).all()


def teachings_in(school):
    """The school's teaching assignments with their class (and its year), subject and teacher."""
    return db.session.scalars(
        db.select(Teaching).join(Classroom).where(Classroom.school_id == school.id)
        .options(db.contains_eager(Teaching.classroom).joinedload(Classroom.school_year),
                 db.joinedload(Teaching.subject), db.joinedload(Teaching.teacher))
        .order_by(Classroom.grade, Classroom.name)).all()


def groups():
    """Every subject group with its subject and members: two statements."""
    return db.session.scalars(
        db.select(SubjectGroup).join(Subject).order_by(Subject.position)
        .options(db.contains_eager(SubjectGroup.subject), db.selectinload(SubjectGroup.members))).all()


def groups_of(user):
    return [g for g in groups() if user in g.members]


def topics(subject=None, grade=None, q=None):
    """Catalogue topics in catalogue order; `q` matches chapter or lesson with or without
    diacritics (the keys are folded: "phan so" finds "Phân số")."""
    query = db.select(Topic).join(Subject).options(db.contains_eager(Topic.subject))
    if subject is not None:
        query = query.where(Topic.subject_id == subject.id)
    if grade is not None:
        query = query.where(Topic.grade == grade)
    for word in fold(q or "").split():
        query = query.where(db.or_(Topic.chapter_key.contains(word, autoescape=True),
                                   Topic.lesson_key.contains(word, autoescape=True)))
    return db.session.scalars(query.order_by(Subject.position, Topic.grade, Topic.position)).all()


def users(school=None, role=None, q=None):
    query = db.select(User)
    if school is not None:
        query = query.where(User.school_id == school.id)
    if role:
        query = query.where(User.role == role)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(db.or_(db.func.lower(User.username).like(like),
                                   db.func.lower(User.full_name).like(like)))
    return query.options(db.joinedload(User.school)).order_by(User.role, User.name_sort, User.username)


def subjects_without_group():
    return db.session.scalars(
        db.select(Subject).where(~Subject.id.in_(db.select(SubjectGroup.subject_id)))
        .order_by(Subject.position, Subject.code)).all()


def reviewers():
    return db.session.scalars(
        db.select(User).where(User.role == Role.REVIEWER).order_by(User.name_sort, User.username)).all()


def teachers_in(school):
    return db.session.scalars(
        db.select(User).where(User.school_id == school.id, User.role == Role.TEACHER)
        .order_by(User.name_sort, User.username)).all()


def teachings_by_teacher(school):
    """{teacher id: [teaching, ...]} for the school, to list teachers with what they teach."""
    result = {}
    for teaching in teachings_in(school):
        result.setdefault(teaching.teacher_id, []).append(teaching)
    return result


def students_in(school, year, q=None, classroom_id=None):
    """(student, classroom of the year or None) rows of a school, as a select to paginate."""
    in_year = (db.select(Enrollment.student_id, Enrollment.classroom_id)
               .join(Classroom, Classroom.id == Enrollment.classroom_id)
               .where(Classroom.school_year_id == year.id).subquery())
    query = (db.select(User, Classroom)
             .outerjoin(in_year, in_year.c.student_id == User.id)
             .outerjoin(Classroom, Classroom.id == in_year.c.classroom_id)
             .where(User.school_id == school.id, User.role == Role.STUDENT))
    if classroom_id:
        query = query.where(Classroom.id == classroom_id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(db.or_(db.func.lower(User.username).like(like),
                                   db.func.lower(User.full_name).like(like),
                                   User.student_code.like(like)))
    return query.order_by(Classroom.grade, Classroom.name, User.name_sort, User.username)


def enrollment_counts(school, year):
    """{classroom id: number of students} for the school's classes of the year."""
    return dict(db.session.execute(
        db.select(Classroom.id, db.func.count(Enrollment.id))
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Classroom.school_id == school.id, Classroom.school_year_id == year.id)
        .group_by(Classroom.id)).all())


def users_by_student_code(codes):
    """{student code: user} for the given identifiers (in chunks: SQLite limits bound parameters)."""
    codes, found = list(codes), {}
    for start in range(0, len(codes), 500):
        for user in db.session.scalars(db.select(User).where(User.student_code.in_(codes[start:start + 500]))):
            found[user.student_code] = user
    return found


def taken_usernames(candidates):
    candidates, taken = list(candidates), set()
    for start in range(0, len(candidates), 500):
        taken.update(db.session.scalars(
            db.select(User.username).where(User.username.in_(candidates[start:start + 500]))))
    return taken


def count(select):
    return db.session.scalar(db.select(db.func.count()).select_from(select.order_by(None).subquery()))
