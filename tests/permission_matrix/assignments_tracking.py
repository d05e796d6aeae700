"""Following homework: the /assignments/ index (a student's to-do, a teacher's own list, a school
admin's school), the tracking of an assignment, its gradebook and item analysis (pages and API),
a class's matrix, and a question's figures accumulated in the bank.

Everything here reads. The assignment is assignments_api's quiz of gv.toan for THCS01 6A1:
tracked by its teacher and the school's admin; its student (hs.6a1.01) may see the assignment
but not its tracking (403); anyone else does not know it exists (404). The class matrix of 6A1 is
for its teachers and the school's admin. A question's figures are for staff who see its answers.
"""

from .foundation import only

LIST = {"student", "teacher", "school_admin"}


def quiz_url(template):
    return lambda ids: template.format(**ids["quizzes"])


def tracked(anonymous=302):
    return {"anonymous": anonymous, "student": 403, "teacher": 200, "school_admin": 200, "reviewer": 404,
            "district_admin": 404, "parent": 404}


ROUTES = {
    "assignments.index": {"url": "/assignments/", **only(LIST)},
    "assignments.tracking": {"url": quiz_url("/assignments/{quiz}/tracking"), **tracked()},
    "assignments.gradebook_export": {"url": quiz_url("/assignments/{quiz}/gradebook?format=csv"), **tracked()},
    "assignments.item_analysis": {"url": quiz_url("/assignments/{quiz}/analysis"), **tracked()},
    "assignments.class_matrix": {"url": lambda ids: f"/assignments/classes/{ids['classroom_6a1_thcs01']}",
                                 **only({"teacher", "school_admin"})},
    "api.list_assignments": {"url": "/api/v1/assignments", **only(LIST, anonymous=401)},
    "api.assignment_tracking": {"url": quiz_url("/api/v1/assignments/{quiz}/tracking"), **tracked(401)},
    "api.assignment_gradebook": {"url": quiz_url("/api/v1/assignments/{quiz}/gradebook"), **tracked(401)},
    "api.assignment_item_analysis": {"url": quiz_url("/api/v1/assignments/{quiz}/item-analysis"), **tracked(401)},
    "api.question_item_analysis": {"url": lambda ids: f"/api/v1/questions/{ids['questions']['approved']}/item-analysis",
                                   **only({"teacher", "school_admin", "reviewer", "district_admin"}, anonymous=401)},
}
