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

    assert before["User"] == 8 + 90 + 6  # staff, students, the parents of hs.6a1.01 … 06
    assert user("admin").role == Role.DISTRICT_ADMIN
    assert user("bgh.thcs01").school.code == "THCS01"
    assert user("gv.toan2").school.code == "THCS02"
    for code in ("THCS01", "THCS02"):
        school = db.session.scalar(db.select(School).where(School.code == code))
        assert sorted(c.name for c in school.classrooms) == ["6A1", "6A2", "7A1", "8A1"]
    teaching = {(t.teacher.username, t.classroom.school.code, t.classroom.name, t.subject.code)
                for t in db.session.scalars(db.select(Teaching))}
    assert teaching == {("gv.toan", "THCS01", "6A1", "toan"), ("gv.toan", "THCS01", "6A2", "toan"),
                        ("gv.van", "THCS01", "6A1", "ngu_van"), ("gv.toan2", "THCS02", "6A1", "toan"),
                        ("gv.khtn", "THCS01", "6A1", "khtn"), ("gv.khtn", "THCS01", "7A1", "khtn")}
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
    from lms.schools.permissions import SYSTEM
    from lms.schools.services import create_school

    school = create_school(SYSTEM, "THCS09", "Trường thử")
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


def test_seed_demo_makes_materials_through_the_real_workflow(runner, client):
    """Issue 9, point 10: the demo has content the product made itself, in every state a
    newcomer should see, and seeding twice makes no more."""
    from collections import Counter

    from lms.materials.models import Material
    from lms.review.models import Notification, Review, WorkflowEvent
    from lms.review.queries import criteria
    from tests.conftest import login

    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0, result.output
    materials = db.session.scalars(db.select(Material)).all()
    assert len(materials) == 12
    assert {m.subject.code for m in materials} == {"toan", "khtn", "ngu_van"}
    assert {m.grade for m in materials} == {6, 7, 8}
    assert {m.latest_version.stored_file.kind_code for m in materials} == {"pdf", "pptx", "docx"}
    states = Counter(m.state for m in materials)
    assert states == {"approved": 7, "submitted": 3, "changes_requested": 1, "draft": 1}
    # One waits in each group's pool, and the Ngữ văn one where no group reviews it yet.
    assert sorted(m.subject.code for m in materials if m.state == "submitted") == ["khtn", "ngu_van", "toan"]

    codes = {c.code for c in criteria()}
    approvals = db.session.scalars(db.select(Review).where(Review.decision == "approve",
                                                             Review.item_type == "material")).all()
    assert len(approvals) == 7
    assert {r.reviewer.username for r in approvals} == {"reviewer.toan", "reviewer.khtn"}
    assert all(set(r.scores) == codes for r in approvals)
    [asked] = db.session.scalars(db.select(Review).where(Review.decision == "request_changes",
                                                          Review.item_type == "material")).all()
    assert asked.reason_code == "content_accuracy" and "(−7) + 12 = 5" in asked.comment
    # The real workflow wrote the audit trail and told the office about the orphaned Ngữ văn item.
    assert db.session.scalar(db.select(db.func.count(WorkflowEvent.id))
                             .where(WorkflowEvent.item_type == "material")) == 7 * 3 + 3 + 3
    admin = db.session.scalar(db.select(User).where(User.username == "admin"))
    office = db.session.scalars(db.select(Notification).where(Notification.user_id == admin.id)).all()
    assert len(office) == 1 and "những câu hát dân gian" in office[0].message.lower()

    # The files were processed: their Vietnamese text is what search reads.
    texts = {m.title: m.latest_version.extracted_text or "" for m in materials}
    assert "Muốn cộng hai phân số cùng mẫu" in texts["Bài 25. Phép cộng và phép trừ phân số"]
    assert "Tỉ lệ thức là đẳng thức của hai tỉ số" in texts["Tỉ lệ thức và tính chất của tỉ lệ thức"]
    assert "Đo nhiệt độ nước trong ba cốc" in texts["Phiếu thực hành: Đo nhiệt độ bằng nhiệt kế"]
    assert all(m.latest_version.processing_state == "ok" for m in materials)

    # A student finds the approved lessons of their grade in the library.
    assert login(client, "hs.6a1.01").status_code == 302
    page = client.get("/materials/?q=phân số").get_data(as_text=True)
    assert "Bài 25. Phép cộng và phép trừ phân số" in page
    assert "Phiếu bài tập: Phép cộng và phép trừ số nguyên" not in page  # changes requested

    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    assert count(Material) == 12 and count(Review) == 8 + 9  # and the demo questions' reviews
