from lms.accounts.models import Role, User
from lms.extensions import db
from lms.schools.models import Classroom, Enrollment, School, SubjectGroup, Teaching, Topic


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_seed_demo_builds_the_documented_district_and_is_idempotent(runner):
    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "hoclieu-demo" in result.output
    before = {m.__name__: count(m) for m in (User, School, Classroom, Enrollment, Teaching)}
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    assert {m.__name__: count(m) for m in (User, School, Classroom, Enrollment, Teaching)} == before

    def user(name):
        return db.session.scalar(db.select(User).where(User.username == name))

    assert before["User"] == 7 + 90
    assert user("admin").role == Role.DISTRICT_ADMIN
    assert user("bgh.thcs01").school.code == "THCS01"
    assert user("gv.toan2").school.code == "THCS02"
    for code in ("THCS01", "THCS02"):
        school = db.session.scalar(db.select(School).where(School.code == code))
        assert sorted(c.name for c in school.classrooms) == ["6A1", "6A2", "7A1", "8A1"]
    teaching = {(t.teacher.username, t.classroom.school.code, t.classroom.name, t.subject.code)
                for t in db.session.scalars(db.select(Teaching))}
    assert teaching == {("gv.toan", "THCS01", "6A1", "toan"), ("gv.toan", "THCS01", "6A2", "toan"),
                        ("gv.van", "THCS01", "6A1", "ngu_van"), ("gv.toan2", "THCS02", "6A1", "toan")}
    groups = {g.subject.code: [m.username for m in g.members] for g in db.session.scalars(db.select(SubjectGroup))}
    assert groups == {"toan": ["reviewer.toan"], "khtn": ["reviewer.khtn"]}
    student = user("hs2.6a1.30")
    enrolment = db.session.scalar(db.select(Enrollment).where(Enrollment.student_id == student.id))
    assert enrolment.classroom.school.code == "THCS02" and enrolment.classroom.name == "6A1"
    assert any(ch in student.full_name for ch in "ăâđêôơưạảãáàẠ") or " " in student.full_name
    assert user("hs.6a1.01").check_password("hoclieu-demo")


def test_seed_demo_if_empty_leaves_a_used_database_alone(runner):
    assert runner.invoke(args=["lms", "create-user", "--role", "district_admin", "--password",
                               "mat-khau-that-dai", "truongphong"]).exit_code == 0
    result = runner.invoke(args=["lms", "seed-demo", "--if-empty"])
    assert "not seeded" in result.output
    assert count(User) == 1


def test_reference_topics_are_loaded_in_curriculum_order(app):
    from lms.schools.services import subject_by_code, topics_for

    toan6 = topics_for(subject_by_code("toan"), 6)
    assert toan6[0].chapter == "Chương I. Tập hợp các số tự nhiên" and toan6[0].lesson == "Bài 1. Tập hợp"
    assert len(toan6) == 43
    assert len(topics_for(subject_by_code("khtn"), 6)) == 55
    assert all(t.source.startswith("shared/data/topics/") for t in toan6)
    # Loading again changes nothing.
    from lms.schools.services import load_reference_topics

    before = count(Topic)
    assert load_reference_topics()["created"] == 0
    assert count(Topic) == before


def test_create_user_cli(runner):
    runner.invoke(args=["lms", "seed-demo"])
    ok = runner.invoke(args=["lms", "create-user", "--role", "teacher", "--school", "THCS02",
                             "--full-name", "Đoàn Thị Hoa", "--password", "mat-khau-8", "gv.hoa"])
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(db.select(User).where(User.username == "gv.hoa"))
    assert user.school.code == "THCS02" and user.full_name == "Đoàn Thị Hoa"
    no_school = runner.invoke(args=["lms", "create-user", "--role", "teacher", "--password", "mat-khau-8",
                                    "gv.lac"])
    assert no_school.exit_code != 0 and "thuộc một trường" in no_school.output
    short = runner.invoke(args=["lms", "create-user", "--role", "reviewer", "--password", "ngan", "rv.x"])
    assert short.exit_code != 0 and "ít nhất 8" in short.output
    unknown = runner.invoke(args=["lms", "create-user", "--role", "teacher", "--school", "XX99",
                                  "--password", "mat-khau-8", "gv.y"])
    assert unknown.exit_code != 0 and "XX99" in unknown.output


def test_student_code_is_ten_digits_and_students_only(app):
    import pytest

    from lms.accounts import services
    from lms.core.errors import ValidationError
    from lms.schools.services import create_school

    school = create_school("THCS09", "Trường thử")
    ok = services.create_user("hs.ok", "Lê An", "student", "mat-khau-8", school=school,
                              student_code="0123456789")
    assert ok.student_code == "0123456789"
    for bad in ("123", "01234567890", "01234abcde"):
        with pytest.raises(ValidationError, match="10 chữ số"):
            services.create_user(f"hs.{bad}", "Lê Bình", "student", "mat-khau-8", school=school,
                                 student_code=bad)
    with pytest.raises(ValidationError, match="Chỉ học sinh"):
        services.create_user("gv.code", "Lê Châu", "teacher", "mat-khau-8", school=school,
                             student_code="0123456780")
