"""Handed-in work, grading, release of marks and questions about the work (pages and API).

gv.toan gives the assignments to THCS01 6A1, where hs.6a1.01 (the matrix's student) is enrolled:
the student sees them and their own work; the school's admin (bgh.thcs01) sees them read-only
(tracking: the work and the questions, but no grading); everybody else gets 404. Routes that act
get an assignment of their own. A POST with an empty form or body is refused at its fields (422)
by whoever may act, or bounced back to its page (302).
"""

from .foundation import ALL

OUTSIDERS = ("reviewer", "district_admin", "parent")


def build_work_ids():
    from lms.assignments import inquiries, submissions
    from lms.assignments.work_jobs import process_files
    from lms.extensions import db
    from lms.files.services import upload_from_bytes
    from tests.assignments_work_support import (
        make_assignment,
        make_quiz_with_essays,
        make_submitted_attempt,
        png_bytes,
        user,
    )

    student = user("hs.6a1.01")
    work = make_assignment(title="Bài nộp của ma trận")
    submission = submissions.submit_work(work, student, "Bài làm", [upload_from_bytes(png_bytes(), "bai.png")])
    quiz = make_quiz_with_essays()
    attempt = make_submitted_attempt(quiz)
    essay = next(item for item in attempt.items if item.fraction is None)
    inquiry = inquiries.ask(work, student, "Em hỏi riêng cô ạ", public=False)
    release_page = make_assignment(title="Công bố điểm (trang)")
    release_api = make_assignment(title="Công bố điểm (API)")
    db.session.commit()
    process_files(submission.id)
    db.session.commit()
    return {"work": {"assignment": work.id, "submission": submission.id, "quiz": quiz.id, "essay": essay.id,
                     "inquiry": inquiry.id, "release_page": release_page.id, "release_api": release_api.id}}


def url(template):
    return lambda ids: template.format(**ids["work"])


def spec(student, teacher, school_admin, anonymous=302):
    """Statuses for the assigned student, the assignment's teacher and the school's admin; 404 for
    the roles that may not know the assignment exists."""
    statuses = {"anonymous": anonymous, "student": student, "teacher": teacher, "school_admin": school_admin}
    statuses.update({role: 404 for role in OUTSIDERS})
    assert set(statuses) == {"anonymous", *ALL}
    return statuses


ROUTES = {
    # pages
    "assignments.submission": {"url": url("/assignments/{assignment}/submission"), **spec(200, 200, 200)},
    "assignments.submission_file": {"url": url("/assignments/submissions/{submission}/files/0"),
                                    **spec(200, 200, 200)},
    "assignments.submission_image": {"url": url("/assignments/submissions/{submission}/files/0/image"),
                                     **spec(200, 200, 200)},
    "assignments.submission_thumbnail": {"url": url("/assignments/submissions/{submission}/files/0/thumbnail"),
                                         **spec(200, 200, 200)},
    "assignments.inquiry_list": {"url": url("/assignments/{assignment}/inquiries"), **spec(200, 200, 200)},
    "assignments.inquiry_answer": {"url": url("/assignments/inquiries/{inquiry}/answer"), "method": "POST",
                                   **spec(403, 422, 403)},
    "assignments.grading_queue": {"url": url("/assignments/{assignment}/grading"), **spec(403, 200, 403)},
    "assignments.grade_submission": {"url": url("/assignments/{assignment}/grading/submissions/{submission}"),
                                     **spec(403, 200, 403)},
    "assignments.grade_essay": {"url": url("/assignments/{quiz}/grading/essays/{essay}"), **spec(403, 200, 403)},
    "assignments.release_grades": {"url": url("/assignments/{release_page}/release"), "method": "POST",
                                   **spec(403, 302, 403)},
    # API
    "api.create_submission": {"url": url("/api/v1/assignments/{assignment}/submissions"), "method": "POST",
                              **spec(422, 403, 403, 401)},
    "api.list_submissions": {"url": url("/api/v1/assignments/{assignment}/submissions"),
                             **spec(200, 200, 200, 401)},
    "api.submission_file": {"url": url("/api/v1/submissions/{submission}/files/0"), **spec(200, 200, 200, 401)},
    "api.grading_queue": {"url": url("/api/v1/assignments/{assignment}/grading"), **spec(403, 200, 403, 401)},
    "api.grade_submission": {"url": url("/api/v1/submissions/{submission}/grade"), "method": "PUT",
                             **spec(403, 422, 403, 401)},
    "api.grade_essay": {"url": url("/api/v1/essays/{essay}/grade"), "method": "PUT", **spec(403, 422, 403, 401)},
    "api.release_grades": {"url": url("/api/v1/assignments/{release_api}/release-grades"), "method": "POST",
                           **spec(403, 200, 403, 401)},
    "api.list_inquiries": {"url": url("/api/v1/assignments/{assignment}/inquiries"), **spec(200, 200, 200, 401)},
    "api.create_inquiry": {"url": url("/api/v1/assignments/{assignment}/inquiries"), "method": "POST",
                           **spec(422, 403, 403, 401)},
    "api.answer_inquiry": {"url": url("/api/v1/inquiries/{inquiry}/answer"), "method": "POST",
                           **spec(403, 422, 403, 401)},
}
