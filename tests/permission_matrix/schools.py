from .foundation import only

ROUTES = {
    "schools.school_list": {"url": "/admin/schools", **only({"district_admin"})},
    "schools.group_list": {"url": "/admin/groups", **only({"district_admin"})},
    "schools.topic_list": {"url": "/admin/topics", **only({"district_admin"})},
    "schools.user_list": {"url": "/admin/users", **only({"district_admin", "school_admin"})},
    "schools.classroom_list": {"url": "/admin/classrooms", **only({"school_admin"})},
    "schools.student_import": {"url": "/admin/students/import", **only({"school_admin"})},
}
