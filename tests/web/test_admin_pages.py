"""Administration pages, driven through the real forms: the district admin's schools, subject groups,
topic catalogue and users; a school admin's classes, enrolments, teachers, students, teaching."""

import re

from lms.accounts.models import Role
from lms.extensions import db
from lms.schools import queries, services
from lms.schools.models import Classroom, Enrollment, School, SubjectGroup, Teaching, Topic
from tests.conftest import login
from tests.web import conftest_admin
from tests.web.conftest_admin import form_post, upload, user_named

district_admin = conftest_admin.district_admin  # fixtures
school_admin = conftest_admin.school_admin

PASSWORD_RE = re.compile(r'id="first-password">([^<]+)<')


def classroom(code, name):
    return db.session.scalar(db.select(Classroom).join(School).where(School.code == code,
                                                                     Classroom.name == name))


def enrolled_in(user):
    return [e.classroom.name for e in db.session.scalars(
        db.select(Enrollment).where(Enrollment.student_id == user.id))]


# --- district admin -------------------------------------------------------------------------

def test_district_admin_creates_and_renames_a_school(district_admin):
    client = district_admin
    assert "Thêm trường" in client.get("/admin/schools/new").get_data(as_text=True)
    bad = form_post(client, "/admin/schools/new", {"code": "thcs 03!", "name": "Trường mới"})
    assert bad.status_code == 200 and "Mã trường gồm 2–20 chữ in hoa" in bad.get_data(as_text=True)
    response = form_post(client, "/admin/schools/new", {"code": "thcs03", "name": "Trường THCS Bình Khánh"})
    assert response.status_code == 302
    db.session.expire_all()
    school = queries.school_by_code("THCS03")
    assert school.name == "Trường THCS Bình Khánh"
    duplicate = form_post(client, "/admin/schools/new", {"code": "THCS03", "name": "Lặp"})
    assert "đã tồn tại" in duplicate.get_data(as_text=True)

    assert form_post(client, f"/admin/schools/{school.id}/edit", {"name": "Trường THCS Cần Thạnh"}).status_code == 302
    db.session.expire_all()
    assert queries.school_by_code("THCS03").name == "Trường THCS Cần Thạnh"
    assert "Trường THCS Cần Thạnh" in client.get("/admin/schools").get_data(as_text=True)


def test_district_admin_creates_a_group_and_manages_its_reviewers(district_admin, demo):
    client = district_admin
    created = form_post(client, "/admin/users/new", {"username": "reviewer.tin", "full_name": "Hà Văn Tín",
                                                     "role": "reviewer", "school_id": ""})
    assert created.status_code == 200
    password = PASSWORD_RE.search(created.get_data(as_text=True)).group(1)
    assert login(client.application.test_client(), "reviewer.tin", password).status_code == 302

    tin_hoc = services.subject_by_code("tin_hoc")
    response = form_post(client, "/admin/groups/new", {"subject_id": tin_hoc.id, "name": ""})
    assert response.status_code == 302
    db.session.expire_all()
    group = db.session.scalar(db.select(SubjectGroup).where(SubjectGroup.subject_id == tin_hoc.id))
    assert group.name == "Tổ Tin học"
    again = form_post(client, "/admin/groups/new", {"subject_id": tin_hoc.id})
    assert again.status_code == 200 and "Hãy chọn một mục trong danh sách." in again.get_data(as_text=True)

    reviewer = user_named("reviewer.tin")
    add = form_post(client, f"/admin/groups/{group.id}/members", {"user_id": reviewer.id})
    assert add.status_code == 302
    # A teacher is not offered and cannot be forced in.
    form_post(client, f"/admin/groups/{group.id}/members", {"user_id": demo["gv.toan"].id})
    db.session.expire_all()
    assert [m.username for m in db.session.get(SubjectGroup, group.id).members] == ["reviewer.tin"]
    page = client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    assert "Hà Văn Tín" in page and "Hãy chọn một mục trong danh sách." in page

    form_post(client, f"/admin/groups/{group.id}/members/{reviewer.id}/remove")
    db.session.expire_all()
    assert db.session.get(SubjectGroup, group.id).members == []


def test_topic_catalogue_add_edit_filter_delete(district_admin):
    client = district_admin
    toan = services.subject_by_code("toan")
    last = max(t.position for t in queries.topics(toan, 6))
    response = form_post(client, "/admin/topics/new", {"subject_id": toan.id, "grade": 6,
                                                       "chapter": "Chuyên đề Hình học thực tế", "lesson": ""})
    assert response.status_code == 302 and "subject=toan" in response.headers["Location"]
    db.session.expire_all()
    topic = db.session.scalar(db.select(Topic).where(Topic.chapter == "Chuyên đề Hình học thực tế"))
    assert topic.position == last + 1

    page = client.get("/admin/topics?subject=toan&grade=6").get_data(as_text=True)
    assert "Chuyên đề Hình học thực tế" in page and "Khoa học tự nhiên" not in page.split('id="topics"')[1]
    duplicate = form_post(client, "/admin/topics/new", {"subject_id": toan.id, "grade": 6,
                                                        "chapter": "chuyen de hinh hoc thuc te"})
    assert "đã có trong danh mục" in duplicate.get_data(as_text=True)

    form_post(client, f"/admin/topics/{topic.id}/edit", {"subject_id": toan.id, "grade": 6, "position": 99,
                                                         "chapter": "Chuyên đề Hình học", "lesson": "Bài 1"})
    db.session.expire_all()
    topic = db.session.get(Topic, topic.id)
    assert (topic.chapter, topic.lesson, topic.position) == ("Chuyên đề Hình học", "Bài 1", 99)

    topic_id = topic.id
    assert form_post(client, f"/admin/topics/{topic_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Topic, topic_id) is None


def test_topic_import_good_and_bad(district_admin):
    client = district_admin
    good = ("môn,khối,thứ tự,chương,bài\n"
            "Tin học,6,1,Chủ đề 1. Máy tính và cộng đồng,Bài 1. Thông tin và dữ liệu\n"
            "Tin học,6,2,Chủ đề 1. Máy tính và cộng đồng,Bài 2. Xử lí thông tin\n").encode()
    response = upload(client, "/admin/topics/import", good, "tin-6.csv")
    assert response.status_code == 302
    db.session.expire_all()
    tin = services.subject_by_code("tin_hoc")
    assert [t.lesson for t in queries.topics(tin, 6)] == ["Bài 1. Thông tin và dữ liệu", "Bài 2. Xử lí thông tin"]

    bad = ("môn,khối,thứ tự,chương,bài\n"
           "Tin học,7,1,Chủ đề 1. Máy tính,Bài 1. Thiết bị vào ra\n"
           "Môn lạ,7,2,Chủ đề 1,Bài 2\n"
           "Tin học,9,3,Chủ đề 1,Bài 3\n").encode()
    response = upload(client, "/admin/topics/import", bad, "tin-7.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dòng 3: không rõ môn" in html and "Dòng 4: khối phải là 6, 7 hoặc 8" in html
    db.session.expire_all()
    assert queries.topics(tin, 7) == []  # the good line 2 was not written either


def test_user_list_search_and_filters(district_admin):
    client = district_admin
    page = client.get("/admin/users?q=gv.toan").get_data(as_text=True)
    assert "gv.toan2" in page and "gv.van" not in page
    page = client.get("/admin/users?role=teacher&school=THCS02").get_data(as_text=True)
    assert "gv.toan2" in page and "gv.van" not in page and "hs2.6a1" not in page


def test_user_edit_and_password_reset(district_admin, demo):
    client = district_admin
    teacher = demo["gv.toan2"]
    thcs01 = queries.school_by_code("THCS01")
    response = form_post(client, f"/admin/users/{teacher.id}/edit",
                         {"full_name": "Phạm Đức Trọng", "role": "teacher", "school_id": thcs01.id, "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    teacher = user_named("gv.toan2")
    assert teacher.school.code == "THCS01"
    assert db.session.scalars(db.select(Teaching).where(Teaching.teacher_id == teacher.id)).all() == []

    page = form_post(client, f"/admin/users/{teacher.id}/password")
    assert page.headers["Cache-Control"] == "no-store"
    password = PASSWORD_RE.search(page.get_data(as_text=True)).group(1)
    assert login(client.application.test_client(), "gv.toan2", "hoclieu-demo").status_code != 302
    assert login(client.application.test_client(), "gv.toan2", password).status_code == 302

    # Nobody locks themselves out.
    me = user_named("admin")
    refused = form_post(client, f"/admin/users/{me.id}/edit", {"full_name": me.full_name, "role": "teacher",
                                                                "school_id": thcs01.id, "active": "y"})
    assert "không thể tự đổi vai trò" in refused.get_data(as_text=True)


# --- school admin ---------------------------------------------------------------------------

def test_school_admin_creates_a_class_enrols_and_assigns_teaching(school_admin, demo):
    client = school_admin
    response = form_post(client, "/admin/classrooms/new", {"name": "6a5"})
    assert response.status_code == 302
    db.session.expire_all()
    room = classroom("THCS01", "6A5")
    assert room.grade == 6 and room.school_year.is_current
    assert "đã có trong năm học" in form_post(client, "/admin/classrooms/new", {"name": "6A5"}).get_data(as_text=True)
    assert "Tên lớp phải bắt đầu" in form_post(client, "/admin/classrooms/new", {"name": "9A1"}).get_data(as_text=True)

    student = user_named("hs.6a2.01")
    assert form_post(client, f"/admin/classrooms/{room.id}/students", {"student_id": student.id}).status_code == 302
    db.session.expire_all()
    assert enrolled_in(student) == ["6A5"]  # moved from 6A2: one class per school year
    assert student.full_name in client.get(f"/admin/classrooms/{room.id}").get_data(as_text=True)

    form_post(client, f"/admin/classrooms/{room.id}/students/{student.id}/remove")
    db.session.expire_all()
    assert enrolled_in(student) == []

    van = services.subject_by_code("ngu_van")
    teacher = demo["gv.van"]
    response = form_post(client, "/admin/teachings/new",
                         {"teacher_id": teacher.id, "classroom_id": room.id, "subject_id": van.id})
    assert response.status_code == 302
    db.session.expire_all()
    teaching = db.session.scalar(db.select(Teaching).where(Teaching.classroom_id == room.id))
    assert (teaching.teacher.username, teaching.subject.code) == ("gv.van", "ngu_van")
    assert "6A5" in client.get("/admin/teachings").get_data(as_text=True)
    teaching_id = teaching.id
    form_post(client, f"/admin/teachings/{teaching_id}/delete")
    db.session.expire_all()
    assert db.session.get(Teaching, teaching_id) is None


def test_school_admin_creates_teacher_and_student(school_admin):
    client = school_admin
    page = form_post(client, "/admin/teachers/new", {"username": "gv.tin", "full_name": "Đỗ Thị Tin"})
    assert page.status_code == 200 and PASSWORD_RE.search(page.get_data(as_text=True))
    room = classroom("THCS01", "7A1")
    page = form_post(client, "/admin/students/new", {"username": "hs.7a1.99", "full_name": "Bùi Gia Huy",
                                                     "student_code": "7900000099", "classroom_id": room.id})
    assert page.status_code == 200 and PASSWORD_RE.search(page.get_data(as_text=True))
    db.session.expire_all()
    teacher, student = user_named("gv.tin"), user_named("hs.7a1.99")
    assert (teacher.role, teacher.school.code, teacher.must_change_password) == (Role.TEACHER, "THCS01", True)
    assert (student.student_code, enrolled_in(student)) == ("7900000099", ["7A1"])
    assert "Đỗ Thị Tin" in client.get("/admin/teachers").get_data(as_text=True)
    assert "Bùi Gia Huy" in client.get("/admin/students?q=7900000099").get_data(as_text=True)

    taken = form_post(client, "/admin/students/new", {"username": "hs.7a1.98", "full_name": "Lặp Mã",
                                                      "student_code": "7900000099"})
    assert "đã gắn với một tài khoản khác" in taken.get_data(as_text=True)
    bad = form_post(client, "/admin/students/new", {"username": "hs.7a1.97", "full_name": "Sai Mã",
                                                    "student_code": "12345"})
    assert "Gồm đúng 10 chữ số." in bad.get_data(as_text=True)


def test_school_admin_sees_only_their_school(school_admin, demo):
    client = school_admin
    other_room = classroom("THCS02", "6A1")
    other_student = user_named("hs2.6a1.01")
    other_teaching = db.session.scalar(db.select(Teaching).where(Teaching.teacher_id == demo["gv.toan2"].id))
    own_student = user_named("hs.6a1.01")
    assert client.get(f"/admin/classrooms/{other_room.id}").status_code == 404
    assert form_post(client, f"/admin/classrooms/{other_room.id}/students",
                     {"student_id": own_student.id}).status_code == 404
    assert form_post(client, f"/admin/teachings/{other_teaching.id}/delete").status_code == 404
    assert client.get(f"/admin/users/{other_student.id}/edit").status_code == 404
    assert form_post(client, f"/admin/users/{other_student.id}/password").status_code == 404
    assert client.get(f"/admin/users/{demo['reviewer.toan'].id}/edit").status_code == 404
    assert client.get(f"/admin/users/{demo['bgh.thcs01'].id}/edit").status_code == 403  # seen, not managed
    own_room = classroom("THCS01", "6A1")
    assert form_post(client, f"/admin/classrooms/{own_room.id}/students/{other_student.id}/remove").status_code == 404

    users = client.get("/admin/users").get_data(as_text=True)
    assert "hs.6a1.01" in users and "hs2.6a1.01" not in users and "gv.toan2" not in users
    assert "hs2.6a1" not in client.get("/admin/students").get_data(as_text=True)
    # A student of another school cannot be enrolled: it is not offered, and forcing it is refused.
    form_post(client, f"/admin/classrooms/{own_room.id}/students", {"student_id": other_student.id})
    db.session.expire_all()
    assert enrolled_in(other_student) == ["6A1"] and classroom("THCS02", "6A1").id in \
        [e.classroom_id for e in db.session.scalars(db.select(Enrollment).where(
            Enrollment.student_id == other_student.id))]


def test_school_admin_edits_a_student_but_cannot_promote_to_school_admin(school_admin):
    client = school_admin
    student = user_named("hs.6a1.05")
    thcs01 = queries.school_by_code("THCS01")
    response = form_post(client, f"/admin/users/{student.id}/edit",
                         {"full_name": "Tên Mới", "role": "student", "school_id": thcs01.id})
    assert response.status_code == 302
    db.session.expire_all()
    student = user_named("hs.6a1.05")
    assert (student.full_name, student.active) == ("Tên Mới", False)  # unchecked box: deactivated
    promoted = form_post(client, f"/admin/users/{student.id}/edit",
                         {"full_name": "Tên Mới", "role": "school_admin", "school_id": thcs01.id, "active": "y"})
    assert promoted.status_code == 200 and "Hãy chọn một mục trong danh sách." in promoted.get_data(as_text=True)
    db.session.expire_all()
    assert user_named("hs.6a1.05").role == Role.STUDENT


def test_a_used_row_is_not_deleted(demo):
    """delete_topic refuses a topic something points at; the check reads every foreign key."""
    used = classroom("THCS01", "6A1")  # students are enrolled in it
    empty = services.add_classroom(user_named("bgh.thcs01"), queries.school_by_code("THCS01"), "8A9")
    assert services._is_referenced(used) and not services._is_referenced(empty)
