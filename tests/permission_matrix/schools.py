"""The administration pages. POST entries are sent with a valid CSRF token and an empty form:
create forms re-render with errors (200); edit forms keep the object's values for fields not sent
(WTForms' rule), so they save and redirect (302); buttons act and redirect (302)."""

from .foundation import only

DISTRICT = {"district_admin"}
SCHOOL = {"school_admin"}
ADMINS = DISTRICT | SCHOOL


def post(allowed, ok):
    return {"method": "POST", **only(allowed, ok=ok)}


ROUTES = {
    # district admin: schools, subject groups, topic catalogue
    "schools.school_list": {"url": "/admin/schools", **only(DISTRICT)},
    "schools.school_create": {"url": "/admin/schools/new", **post(DISTRICT, 200)},
    "schools.school_edit": {"url": lambda ids: f"/admin/schools/{ids['thcs02']}/edit", **post(DISTRICT, 302)},
    "schools.group_list": {"url": "/admin/groups", **only(DISTRICT)},
    "schools.group_create": {"url": "/admin/groups/new", **post(DISTRICT, 200)},
    "schools.group_detail": {"url": lambda ids: f"/admin/groups/{ids['group_toan']}", **only(DISTRICT)},
    "schools.group_member_add": {"url": lambda ids: f"/admin/groups/{ids['group_toan']}/members",
                                 **post(DISTRICT, 302)},
    "schools.group_member_remove": {
        "url": lambda ids: f"/admin/groups/{ids['group_toan']}/members/{ids['users']['reviewer.toan']}/remove",
        **post(DISTRICT, 302)},
    "schools.topic_list": {"url": "/admin/topics", **only(DISTRICT)},
    "schools.topic_create": {"url": "/admin/topics/new", **post(DISTRICT, 200)},
    "schools.topic_edit": {"url": lambda ids: f"/admin/topics/{ids['topic_edit']}/edit", **post(DISTRICT, 302)},
    "schools.topic_delete": {"url": lambda ids: f"/admin/topics/{ids['topic_delete']}/delete",
                             **post(DISTRICT, 302)},
    "schools.topic_import": {"url": "/admin/topics/import", **post(DISTRICT, 200)},
    # accounts: district admin anyone, school admin their school's students and teachers
    "schools.user_list": {"url": "/admin/users", **only(ADMINS)},
    "schools.user_create": {"url": "/admin/users/new", **post(DISTRICT, 200)},
    "schools.user_edit": {"url": lambda ids: f"/admin/users/{ids['student_managed']}/edit", **post(ADMINS, 302)},
    "schools.user_password": {"url": lambda ids: f"/admin/users/{ids['student_managed']}/password",
                              **post(ADMINS, 200)},
    # Parents of a student: an empty form is refused at its fields (422); unlinking a parent who is
    # not linked to that student is 404 (hs.6a1.03's parent is ph.6a1.03, not ph.6a1.01).
    "schools.parent_add": {"url": lambda ids: f"/admin/users/{ids['student_managed']}/parents",
                           **post(ADMINS, 422)},
    "schools.parent_remove": {"url": lambda ids: f"/admin/users/{ids['student_managed']}/parents/"
                                                 f"{ids['parent_6a1_01']}/remove", **post(ADMINS, 404)},
    # school admin: classes, enrolments, teachers, students, teaching assignments
    "schools.classroom_list": {"url": "/admin/classrooms", **only(SCHOOL)},
    "schools.classroom_create": {"url": "/admin/classrooms/new", **post(SCHOOL, 200)},
    "schools.classroom_detail": {"url": lambda ids: f"/admin/classrooms/{ids['classroom_6a1_thcs01']}",
                                 **only(SCHOOL)},
    "schools.enrollment_add": {"url": lambda ids: f"/admin/classrooms/{ids['classroom_6a1_thcs01']}/students",
                               **post(SCHOOL, 302)},
    "schools.enrollment_remove": {
        "url": lambda ids: (f"/admin/classrooms/{ids['classroom_6a1_thcs01']}/students/"
                            f"{ids['student_enrolled_6a1']}/remove"),
        **post(SCHOOL, 302)},
    "schools.teacher_list": {"url": "/admin/teachers", **only(SCHOOL)},
    "schools.teacher_create": {"url": "/admin/teachers/new", **post(SCHOOL, 200)},
    "schools.student_list": {"url": "/admin/students", **only(SCHOOL)},
    "schools.student_create": {"url": "/admin/students/new", **post(SCHOOL, 200)},
    "schools.teaching_list": {"url": "/admin/teachings", **only(SCHOOL)},
    "schools.teaching_create": {"url": "/admin/teachings/new", **post(SCHOOL, 200)},
    "schools.teaching_delete": {"url": lambda ids: f"/admin/teachings/{ids['teaching_gv_van']}/delete",
                                **post(SCHOOL, 302)},
    # bulk student import
    "schools.student_import": {"url": "/admin/students/import", **post(SCHOOL, 200)},
    "schools.student_import_confirm": {"url": "/admin/students/import/confirm", **post(SCHOOL, 302)},
    "schools.student_import_status": {
        "url": lambda ids: f"/admin/students/import/{ids['student_import_thcs01']}", **only(SCHOOL)},
    # the sheet was downloaded already: back to the status page
    "schools.student_import_passwords": {
        "url": lambda ids: f"/admin/students/import/{ids['student_import_thcs01']}/passwords.xlsx",
        **only(SCHOOL, ok=302)},
}
