"""Issue 9, point 8 in the browser: the school admin opens a class and reads its students in
Vietnamese order (given name, then middle names, then family name; đ after d, tones after
letters), as a teacher would call the register."""

import pytest

from lms.accounts import services as account_services
from lms.accounts.models import Role
from lms.extensions import db
from lms.schools import queries, services
from lms.schools.permissions import SYSTEM

pytestmark = pytest.mark.e2e

IN_ORDER = [
    "Lê An", "Dương Văn An", "Đặng Văn An", "Hồ Văn An", "Huỳnh Văn An", "Trần Thị Ánh", "Phạm Minh Ân",
    "Bùi Thị Hà", "Lò Thị Hai", "Ngô Thị Hải", "Đỗ Thị Hạnh", "Lý Ngọc Ơn", "Tạ Thị Ư", "Võ Văn Vinh",
]


@pytest.fixture
def class_8a9(live_server):
    """A class of THCS01 whose students were added in no useful order."""
    school = queries.school_by_code("THCS01")
    room = services.add_classroom(SYSTEM, school, "8A9")
    for n, name in enumerate(sorted(IN_ORDER, key=lambda s: s[::-1])):
        student = account_services.create_user(f"hs.8a9.{n:02d}", name, Role.STUDENT, "mat-khau-8", school=school)
        services.enroll(SYSTEM, student, room)
    db.session.commit()
    return room


def test_school_admin_reads_a_class_list_in_vietnamese_order(page, sign_in, class_8a9, tmp_path):
    sign_in(page, "bgh.thcs01")
    page.goto("/admin/classrooms")
    page.get_by_role("link", name="8A9").click()
    page.wait_for_url(f"**/admin/classrooms/{class_8a9.id}")

    names = page.locator("#students tbody tr td:first-child").all_inner_texts()
    assert [name.strip() for name in names] == IN_ORDER
    page.screenshot(path=tmp_path / "class-8a9.png", full_page=True)
