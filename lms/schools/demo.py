"""The demo district (`flask lms seed-demo`): idempotent, every account with password hoclieu-demo.
Seeding is the operator's command, like `flask lms init`: it acts as permissions.SYSTEM."""

from ..accounts import services as account_services
from ..accounts.models import Role, User
from ..extensions import db
from . import services
from .models import School
from .permissions import SYSTEM

DEMO_PASSWORD = "hoclieu-demo"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Gia", "Thanh", "Hoài", "Đức", "Khánh", "Bảo"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hùng", "Khoa",
         "Lan", "Linh", "Long", "Mai", "Nam", "Ngân", "Nhi", "Phong", "Phúc", "Quân", "Quỳnh", "Sơn",
         "Tâm", "Thảo", "Trang", "Trí", "Tuấn", "Vy", "Yến", "Đông", "Uyên"]

STAFF = [
    # username, full name, role, school code
    ("admin", "Quản trị Phòng GD&ĐT", Role.DISTRICT_ADMIN, None),
    ("reviewer.toan", "Trương Thị Thu Hằng", Role.REVIEWER, None),
    ("reviewer.khtn", "Lâm Quốc Việt", Role.REVIEWER, None),
    ("bgh.thcs01", "Phó hiệu trưởng Đinh Văn Khôi", Role.SCHOOL_ADMIN, "THCS01"),
    ("gv.toan", "Nguyễn Thị Minh Thư", Role.TEACHER, "THCS01"),
    ("gv.van", "Lê Hoàng Yến", Role.TEACHER, "THCS01"),
    ("gv.toan2", "Phạm Đức Trọng", Role.TEACHER, "THCS02"),
    ("gv.khtn", "Võ Thanh Tâm", Role.TEACHER, "THCS01"),
]

DEMO_USERNAMES = [u for u, *_ in STAFF] + ["hs.6a1.01 … hs.6a1.30", "hs.6a2.01 … hs.6a2.30",
                                          "hs2.6a1.01 … hs2.6a1.30", "ph.6a1.01 … ph.6a1.06"]


def student_name(seed):
    return f"{FAMILY[seed % len(FAMILY)]} {MIDDLE[(seed // 3) % len(MIDDLE)]} {GIVEN[(seed * 7) % len(GIVEN)]}"


def _user(username, full_name, role, school):
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        user = account_services.create_user(username, full_name, role, DEMO_PASSWORD, school=school)
    return user


def is_empty():
    return db.session.scalar(db.select(db.func.count(User.id))) == 0


def seed_demo():
    services.init_reference_data()
    year = services.current_school_year()
    schools = {}
    for code, name in (("THCS01", "Trường THCS Nguyễn Văn Bứa"), ("THCS02", "Trường THCS Lê Văn Hưu")):
        school = db.session.scalar(db.select(School).where(School.code == code))
        schools[code] = school or services.create_school(SYSTEM, code, name)
    rooms = {}
    for code, school in schools.items():
        for name in ("6A1", "6A2", "7A1", "8A1"):
            rooms[(code, name)] = services.create_classroom(SYSTEM, school, name, year)
    users = {u: _user(u, n, r, schools.get(s)) for u, n, r, s in STAFF}
    toan, van, khtn = (services.subject_by_code(c) for c in ("toan", "ngu_van", "khtn"))
    services.set_group_members(SYSTEM, services.group_for(SYSTEM, toan), [users["reviewer.toan"]])
    services.set_group_members(SYSTEM, services.group_for(SYSTEM, khtn), [users["reviewer.khtn"]])
    services.assign_teaching(SYSTEM, users["gv.toan"], rooms[("THCS01", "6A1")], toan)
    services.assign_teaching(SYSTEM, users["gv.toan"], rooms[("THCS01", "6A2")], toan)
    services.assign_teaching(SYSTEM, users["gv.van"], rooms[("THCS01", "6A1")], van)
    services.assign_teaching(SYSTEM, users["gv.toan2"], rooms[("THCS02", "6A1")], toan)
    services.assign_teaching(SYSTEM, users["gv.khtn"], rooms[("THCS01", "6A1")], khtn)
    services.assign_teaching(SYSTEM, users["gv.khtn"], rooms[("THCS01", "7A1")], khtn)
    for prefix, code, room, offset in (("hs.6a1", "THCS01", "6A1", 0), ("hs.6a2", "THCS01", "6A2", 30),
                                       ("hs2.6a1", "THCS02", "6A1", 60)):
        for n in range(1, 31):
            student = _user(f"{prefix}.{n:02d}", student_name(offset + n), Role.STUDENT, schools[code])
            services.enroll(SYSTEM, student, rooms[(code, room)])
    _seed_parents(schools["THCS01"])
    return users


PARENT_GIVEN = ["Hùng", "Lan", "Tuấn", "Hoa", "Dũng", "Nga"]


def _seed_parents(school):
    """`ph.6a1.01` … `ph.6a1.06`, the parents of `hs.6a1.01` … `hs.6a1.06`; the first also has a
    child in 6A2 (`hs.6a2.01`): one account for siblings in two classes."""
    from . import guardians

    for n in range(1, 7):
        child = db.session.scalar(db.select(User).where(User.username == f"hs.6a1.{n:02d}"))
        family = child.full_name.split()[0]
        middle = "Văn" if n % 2 else "Thị"
        parent = _user(f"ph.6a1.{n:02d}", f"{family} {middle} {PARENT_GIVEN[n - 1]}", Role.PARENT, school)
        parent.phone = parent.phone or f"09120000{n:02d}"
        guardians.link(SYSTEM, parent, child)
        if n == 1:
            guardians.link(SYSTEM, parent, db.session.scalar(db.select(User).where(User.username == "hs.6a2.01")))
