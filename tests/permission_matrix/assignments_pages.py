"""The homework pages of helper A2: "Giao bài" (teachers), an assignment's page (its students, its
teacher and the school's admin; 404 for everyone else), and the quiz page's own routes (start,
the attempt, autosave, submit, the material's view time).

gv.toan gives the work to THCS01 6A1, where hs.6a1.01 is enrolled. Starting, answering, submitting
and recording a view are its students' (403 for the teacher and the admin, who may see it); an
attempt is its student's and its teacher's (404 for the others, the school's admin included).
Routes that act get their own assignment or attempt. The ids are made on the first use of one of
these routes (`pages`), so this module needs nothing of the shared fixtures.
"""

from .foundation import ALL

OUTSIDERS = ("reviewer", "district_admin", "parent")


def build_page_ids():
    from lms.extensions import db
    from tests.assignment_pages_support import approved_questions, make_assignment, make_attempt
    from tests.materials_support import make_material

    questions = approved_questions()
    material = make_material("approved", title="Đọc trước: phân số")
    db.session.flush()

    def quiz(title):
        return make_assignment(questions=questions, title=title)

    ids = {"quiz": quiz("Trang bài tập").id, "quiz_start": quiz("Bắt đầu").id,
           "material": make_assignment("material", material=material).id}
    for name in ("attempt", "attempt_save", "attempt_submit"):
        assignment = quiz(name)
        ids[f"{name}_quiz"] = assignment.id
        ids[name] = make_attempt(assignment).id
    db.session.commit()
    return ids


def pages(template):
    def url(ids):
        if "assignment_pages" not in ids:
            ids["assignment_pages"] = build_page_ids()
        return template.format(**ids["assignment_pages"])

    return url


def spec(student, teacher, school_admin, outsiders=404, anonymous=302):
    return {"anonymous": anonymous, "student": student, "teacher": teacher, "school_admin": school_admin,
            **{role: outsiders for role in OUTSIDERS}}


assert set(spec(0, 0, 0)) == {"anonymous", *ALL}

ROUTES = {
    "assignments.new": {"url": "/assignments/new", **spec(403, 200, 403, outsiders=403)},
    "assignments.detail": {"url": pages("/assignments/{quiz}"), **spec(200, 200, 200)},
    # "Sửa": its teacher only (403 for those who may see it read-only).
    "assignments.edit": {"url": pages("/assignments/{quiz}/edit"), **spec(403, 200, 403)},
    "assignments.record_view": {"url": pages("/assignments/{material}/view"), "method": "POST",
                                **spec(204, 403, 403)},
    "assignments.start": {"url": pages("/assignments/{quiz_start}/start"), "method": "POST",
                          **spec(302, 403, 403)},
    "assignments.attempt": {"url": pages("/assignments/{attempt_quiz}/attempts/{attempt}"),
                            **spec(200, 200, 404)},
    # An empty form is no {answers: …}: refused at its field (422).
    "assignments.save_answers": {"url": pages("/assignments/{attempt_save_quiz}/attempts/{attempt_save}/answers"),
                                 "method": "PUT", **spec(422, 404, 404)},
    "assignments.submit": {"url": pages("/assignments/{attempt_submit_quiz}/attempts/{attempt_submit}/submit"),
                           "method": "POST", **spec(302, 404, 404)},
}
