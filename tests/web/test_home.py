"""Issue 9, point 3: each role's home page shows what that person should do next, each item a link,
for a fixed number of SQL statements however many items there are."""

import re

import pytest

from lms.extensions import db
from lms.review import services as review_services
from lms.schools import services as school_services
from lms.schools.permissions import SYSTEM
from tests.conftest import login
from tests.materials_support import make_material, user
from tests.query_budget import same_for_more_rows


@pytest.fixture
def world(app, demo, criteria):
    return demo


def home_of(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client, client.get("/").get_data(as_text=True)


def section(page, section_id):
    """The HTML of <section id=section_id>…</section>."""
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    assert match, f"no section #{section_id}"
    return match.group(0)


def links(html):
    return re.findall(r'<a [^>]*href="([^"]+)"', html)


def test_reviewer_sees_waiting_items_oldest_first_and_what_they_hold(app, world):
    first = make_material("submitted", title="Bài 1. Tập hợp")
    second = make_material("submitted", title="Bài 2. Cách ghi số tự nhiên")
    held = make_material("in_review", title="Bài 3. Thứ tự trong tập hợp số tự nhiên")
    own_subject_other = make_material("submitted", subject="khtn", title="Tế bào là gì")
    db.session.commit()
    _client, page = home_of(app, "reviewer.toan")

    waiting = section(page, "waiting")
    assert waiting.index("Bài 1. Tập hợp") < waiting.index("Bài 2. Cách ghi số tự nhiên")
    assert f"/materials/{first.id}" in links(waiting) and f"/materials/{second.id}" in links(waiting)
    assert "Tế bào là gì" not in waiting and f"/materials/{own_subject_other.id}" not in links(waiting)
    assert "đã chờ" in waiting  # the age
    assert f"/materials/{held.id}" in links(section(page, "held"))
    assert "/reviews/queue" in links(waiting)


def test_teacher_sees_changes_requested_with_the_note_waiting_and_approved(app, world):
    changes = make_material("changes_requested", title="Luyện tập phân số")
    waiting = make_material("submitted", title="Phép nhân phân số")
    approved = make_material("approved", title="Số thập phân")
    draft = make_material("draft", title="Bản nháp hình học")
    other = make_material("changes_requested", owner="gv.toan2", title="Của người khác")
    db.session.commit()
    _client, page = home_of(app, "gv.toan")

    asked = section(page, "changes")
    assert f"/materials/{changes.id}" in links(asked) and f"/materials/{other.id}" not in links(asked)
    assert "Thiếu nguồn ảnh." in asked and user("reviewer.toan").full_name in asked
    assert f"/materials/{waiting.id}" in links(section(page, "waiting"))
    assert f"/materials/{approved.id}" in links(section(page, "approved"))
    assert f"/materials/{draft.id}" in links(section(page, "drafts"))
    teachings = section(page, "teachings")
    assert "/materials/?subject=toan&amp;grade=6" in links(teachings)


def test_district_admin_sees_queues_without_a_group_and_the_oldest_item(app, world):
    oldest = make_material("submitted", title="Bài 1. Tập hợp")
    orphan = make_material("draft", owner="gv.van", subject="ngu_van", title="Bài 1. Lắng nghe lịch sử nước mình")
    review_services.submit(orphan, user("gv.van"))
    db.session.commit()
    _client, page = home_of(app, "admin")

    orphaned = section(page, "orphaned")
    assert "Ngữ văn" in orphaned and "Toán" not in orphaned
    ngu_van = school_services.subject_by_code("ngu_van")
    assert f"/admin/groups/new?subject={ngu_van.id}" in links(orphaned)
    assert f"/reviews/items/material/{orphan.id}" in links(orphaned) or f"/materials/{orphan.id}" in links(orphaned)
    assert f"/materials/{oldest.id}" in links(section(page, "oldest"))
    counts = section(page, "counts")
    assert "/reviews/overview" in links(counts) and "/admin/schools" in links(counts)
    # The notification the submission sent is on the page too, as a link.
    assert "Lắng nghe lịch sử nước mình" in section(page, "unread")


def test_school_admin_sees_counts_and_links_to_classes_and_imports(app, world):
    _client, page = home_of(app, "bgh.thcs01")
    counts = section(page, "counts")
    assert "/admin/students/import" in links(counts) and "/admin/classrooms" in links(counts)
    assert re.search(r"Học sinh: <strong>60</strong>", counts)
    classrooms = section(page, "classrooms")
    assert len([u for u in links(classrooms) if u.startswith("/admin/classrooms/")]) == 4
    assert "chưa có học sinh" in classrooms  # 7A1 and 8A1 of the demo are empty


def test_student_sees_newly_approved_materials_for_their_grade(app, world):
    grade6 = make_material("approved", title="Ôn tập chương phân số")
    grade7 = make_material("approved", grade="7", title="Tỉ lệ thức")
    draft = make_material("draft", title="Chưa duyệt")
    db.session.commit()
    _client, page = home_of(app, "hs.6a1.01")
    new = section(page, "new-materials")
    assert f"/materials/{grade6.id}" in links(new)
    assert f"/materials/{grade7.id}" not in links(new) and f"/materials/{draft.id}" not in links(new)


# --- a fixed number of statements, however many items -----------------------------------------

def _more(count, **kwargs):
    def add():
        for n in range(count):
            make_material(title=f"{kwargs.get('title', 'Mục')} {n}", **{k: v for k, v in kwargs.items()
                                                                        if k != "title"})
        db.session.commit()
    return add


def _classrooms(*names):
    school, year = user("bgh.thcs01").school, school_services.current_school_year()
    for name in names:
        school_services.create_classroom(SYSTEM, school, name, year)
    db.session.commit()


BUDGETS = [
    # (user, what to add before the first count, what to add before the second, what must then show)
    ("reviewer.toan", lambda: [make_material("submitted", title="Chờ 0"), make_material("in_review", title="Giữ 0")],
     lambda: [_more(6, state="submitted", title="Chờ")(), _more(3, state="in_review", title="Giữ")()],
     ["Chờ 5", "Giữ 2"]),
    ("gv.toan", lambda: [make_material(s, title=f"{s} 0") for s in ("changes_requested", "submitted", "approved", "draft")],
     lambda: [_more(3, state=s, title=s)() for s in ("changes_requested", "rejected", "submitted", "approved", "draft")],
     ["changes_requested 2", "rejected 2", "submitted 2", "approved 2", "draft 2"]),
    ("admin", lambda: [make_material("submitted", owner="gv.van", subject="ngu_van", title="Văn 0")],
     lambda: [_more(4, state="submitted", owner="gv.van", subject="ngu_van", title="Văn")(),
              _more(3, state="submitted", subject="khtn", title="KHTN")()],
     ["Văn 3", "Đang chờ: <strong>8</strong>"]),
    ("bgh.thcs01", lambda: None, lambda: _classrooms("7A2", "7A3", "8A2", "8A3"), ["7A3", "8A3"]),
    ("hs.6a1.01", lambda: [make_material("approved", title="Duyệt 0")],
     lambda: _more(6, state="approved", title="Duyệt")(), ["Duyệt 5"]),
]


@pytest.mark.parametrize("username, before, more, shown", BUDGETS, ids=[b[0] for b in BUDGETS])
def test_each_home_costs_a_fixed_number_of_statements(app, world, username, before, more, shown):
    before()
    db.session.commit()
    client, _page = home_of(app, username)

    def check(page):
        missing = [text for text in shown if text not in page]
        assert not missing, f"the home page of {username} does not show {missing}"

    same_for_more_rows(client, "/", more, limit=12, check=check)
