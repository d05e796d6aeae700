"""Who may do what with homework. Predicates take the user explicitly; views, the API, templates
and tests ask the same ones.

- A teacher assigns to the classrooms they teach (a Teaching row) and manages their own
  assignments (edit, grade, track, release marks, answer students' questions).
- A student sees an assignment given to a classroom they are enrolled in; anyone else gets 404
  (another class's or school's homework does not exist for them).
- A school admin sees (read-only) the tracking of their own school's assignments.
"""

from sqlalchemy import exists, select

from ..accounts.models import Role
from ..accounts.permissions import is_school_admin, is_signed_in, is_student, is_teacher
from ..extensions import db
from ..schools.models import Enrollment, Teaching
from .models import assignment_classroom


def can_assign(user):
    return is_teacher(user)


def teaches(user, classroom):
    """The teacher has a teaching assignment in this classroom (any subject)."""
    if not is_teacher(user) or classroom is None:
        return False
    return db.session.scalar(select(exists().where(
        Teaching.teacher_id == user.id, Teaching.classroom_id == classroom.id))) or False


def can_manage(user, assignment):
    """Edit, grade, track, release marks, answer questions: the assignment's own teacher."""
    return is_teacher(user) and assignment.teacher_id == user.id


def assigned_clause(student_id, assignment_id):
    """EXISTS (the student is enrolled in one of the assignment's classrooms), for a statement to
    fold in: `student_id` and `assignment_id` are values or columns (attempts.head uses it)."""
    return exists().where(
        Enrollment.student_id == student_id,
        Enrollment.classroom_id == assignment_classroom.c.classroom_id,
        assignment_classroom.c.assignment_id == assignment_id)


def is_assigned(user, assignment, assigned=None):
    """The student is enrolled in one of the assignment's classrooms. `assigned`: assigned_clause
    when already read with the assignment (attempts.assignment_to_start), so nothing is read again."""
    if not is_student(user):
        return False
    if assigned is not None:
        return bool(assigned)
    return db.session.scalar(select(assigned_clause(user.id, assignment.id))) or False


def can_view(user, assignment, assigned=None):
    """Seeing the assignment at all (404 otherwise). `assigned`: as is_assigned takes it."""
    if not is_signed_in(user):
        return False
    if can_manage(user, assignment):
        return True
    if user.role == Role.SCHOOL_ADMIN:
        return is_school_admin(user) and user.school_id == assignment.school_id
    return is_assigned(user, assignment, assigned)


def can_track(user, assignment):
    """The tracking, gradebook and item analysis: its teacher, and their school's admin."""
    return can_manage(user, assignment) or (is_school_admin(user) and user.school_id == assignment.school_id)


def can_do(user, assignment, assigned=None):
    """Start an attempt, save answers, submit work, record a view: an assigned student."""
    return is_assigned(user, assignment, assigned)


def can_list(user):
    """The /assignments/ index: a student's to-do, a teacher's own assignments, a school admin's school."""
    return is_student(user) or is_teacher(user) or is_school_admin(user)


def can_track_classes(user):
    """Class matrices of students × assignments: teachers (their classes) and school admins (their school)."""
    return is_teacher(user) or is_school_admin(user)


def can_see_class(user, classroom):
    """One class's matrix: a teacher of the class (their own assignments in it), the school's admin (all)."""
    if classroom is None:
        return False
    return teaches(user, classroom) or (is_school_admin(user) and user.school_id == classroom.school_id)


def can_see_submission(user, submission):
    """A student's handed-in work and its files: the student, and whoever tracks the assignment."""
    if not is_signed_in(user):
        return False
    if is_student(user) and submission.student_id == user.id:
        return True
    return can_track(user, submission.assignment)


def sees_marks(user, assignment):
    """Marks and feedback on handed-in work: whoever tracks the assignment at once; its students
    once the teacher has released them."""
    return can_track(user, assignment) or assignment.grades_released_at is not None


def can_see_inquiry(user, inquiry):
    """A question about the work: whoever tracks the assignment; a private one also its student,
    a public one every student the assignment is given to."""
    if can_track(user, inquiry.assignment):
        return True
    if not is_assigned(user, inquiry.assignment):
        return False
    return inquiry.public or inquiry.student_id == user.id


def can_view_attempt(user, attempt):
    """An attempt is seen by its student and by the assignment's teacher (404 for anyone else)."""
    if not is_signed_in(user) or attempt is None:
        return False
    return attempt.student_id == user.id or can_manage(user, attempt.assignment)


def can_answer(user, attempt, assigned=None):
    """Save answers and submit: the attempt's own student, still assigned to the work. `assigned`:
    is_assigned when already read with the attempt (attempts.head, attempts.load_answering)."""
    if not (is_student(user) and attempt.student_id == user.id):
        return False
    return is_assigned(user, attempt.assignment) if assigned is None else bool(assigned)
