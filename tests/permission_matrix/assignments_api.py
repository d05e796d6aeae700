"""The homework API of quizzes: making an assignment, reading it, attempts (start, read, autosave,
submit) and the preparation check.

gv.toan gives the quizzes to THCS01 6A1, where hs.6a1.01 (the matrix's student) is enrolled. An
assignment is seen by its teacher, the school's admin (bgh.thcs01) and its students (404 for
everyone else); only its students start, answer, submit and record views (403 for the teacher and
the admin, who may see it). An attempt is its student's and the teacher's (404 for the others).
Routes that act get their own quiz or attempt. An empty body is refused at its fields (422).
"""

from .foundation import ALL, only

OUTSIDERS = ("reviewer", "district_admin", "parent")


def build_quiz_ids():
    from lms.assignments import attempts
    from lms.extensions import db
    from tests.assignments_support import approved, make_assignment, user

    questions = approved(2)
    student = user("hs.6a1.01")

    def quiz(title):
        return make_assignment(title=title, question_ids=[q.id for q in questions])

    def attempt(title):
        return attempts.start(quiz(title), student)[0]

    ids = {"quiz": quiz("Xem bài").id, "quiz_start": quiz("Bắt đầu").id, "attempt": attempt("Xem bài làm").id,
           "attempt_save": attempt("Lưu câu trả lời").id, "attempt_submit": attempt("Nộp bài").id}
    db.session.commit()
    return {"quizzes": ids}


def url(template):
    return lambda ids: template.format(**ids["quizzes"])


def spec(student, teacher, school_admin):
    statuses = {"anonymous": 401, "student": student, "teacher": teacher, "school_admin": school_admin}
    statuses.update({role: 404 for role in OUTSIDERS})
    assert set(statuses) == {"anonymous", *ALL}
    return statuses


ROUTES = {
    "api.create_assignment": {"url": "/api/v1/assignments", "method": "POST",
                              **only({"teacher"}, ok=422, anonymous=401)},  # no body: 422
    "api.get_assignment": {"url": url("/api/v1/assignments/{quiz}"), **spec(200, 200, 200)},
    # Its teacher only; those who may see it are refused (403). No body: 422.
    "api.update_assignment": {"url": url("/api/v1/assignments/{quiz}"), "method": "PATCH", **spec(403, 422, 403)},
    "api.start_attempt": {"url": url("/api/v1/assignments/{quiz_start}/attempts"), "method": "POST",
                          **spec(201, 403, 403)},
    "api.record_view": {"url": url("/api/v1/assignments/{quiz}/views"), "method": "POST", **spec(204, 403, 403)},
    "api.get_attempt": {"url": url("/api/v1/attempts/{attempt}"), **spec(200, 200, 404)},
    "api.save_answers": {"url": url("/api/v1/attempts/{attempt_save}/answers"), "method": "PUT",
                         **spec(422, 403, 404)},  # no body: 422
    "api.submit_attempt": {"url": url("/api/v1/attempts/{attempt_submit}/submit"), "method": "POST",
                           **spec(200, 403, 404)},
}
