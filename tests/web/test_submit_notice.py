"""Issue 9, point 5: submitting into a void. When no group reviews the item's subject (or its group
has nobody who could review it), the author is told so, the district admins are notified, and the
district admin's home page shows the waiting item."""

from markupsafe import escape

from lms.accounts.models import Role, User
from lms.extensions import db
from lms.review import services
from lms.review.models import Notification
from lms.schools import services as school_services
from tests.conftest import api_token, bearer, csrf_from, login
from tests.materials_support import make_material, user


def notifications(username):
    return db.session.scalars(db.select(Notification.message).join(User, User.id == Notification.user_id)
                              .where(User.username == username)).all()


def test_no_group_for_the_subject_tells_the_author_and_notifies_the_office(app, demo, criteria):
    second_admin = school_services_admin("truongphong")
    material = make_material(owner="gv.van", subject="ngu_van", title="Bài 1. Lắng nghe lịch sử nước mình")
    event = services.submit(material, user("gv.van"))
    db.session.commit()

    assert event.notice == services.NO_REVIEWERS
    assert "Ngữ văn" in services.notice_message(material, event.notice)
    for admin in ("admin", second_admin.username):
        [message] = notifications(admin)
        assert "Lắng nghe lịch sử nước mình" in message and "chưa có tổ thẩm định" in message
    assert notifications("reviewer.toan") == [] and notifications("reviewer.khtn") == []


def test_a_group_without_active_reviewers_counts_as_no_group(app, demo, criteria):
    reviewer = user("reviewer.khtn")
    reviewer.active = False
    db.session.commit()
    material = make_material(owner="gv.toan", subject="khtn", title="Tế bào")
    event = services.submit(material, user("gv.toan"))
    db.session.commit()
    assert event.notice == services.NO_REVIEWERS
    assert len(notifications("admin")) == 1 and notifications("reviewer.khtn") == []


def test_a_subject_with_reviewers_notifies_them_only(app, demo, criteria):
    material = make_material(owner="gv.toan", subject="toan", title="Phân số bằng nhau")
    event = services.submit(material, user("gv.toan"))
    db.session.commit()
    assert event.notice is None and services.notice_message(material, event.notice) is None
    assert len(notifications("reviewer.toan")) == 1 and notifications("admin") == []


def test_the_page_says_nobody_reviews_the_subject_yet(app, client, demo, criteria):
    material = make_material(owner="gv.van", subject="ngu_van", title="Bài 2. Miền cổ tích")
    db.session.commit()
    assert login(client, "gv.van").status_code == 302
    page = f"/materials/{material.id}"
    response = client.post(f"/reviews/items/material/{material.id}/submit",
                           data={"csrf_token": csrf_from(client, page), "next": page}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "chưa có tổ thẩm định nào nhận môn Ngữ văn" in text
    assert "Đã gửi thẩm định." not in text
    assert str(escape(app.config["OFFICE_NAME"])) in text and "alert-warning" in text

    ordinary = make_material(owner="gv.toan", subject="toan", title="Phép cộng phân số")
    db.session.commit()
    other = app.test_client()
    assert login(other, "gv.toan").status_code == 302
    page = f"/materials/{ordinary.id}"
    text = other.post(f"/reviews/items/material/{ordinary.id}/submit",
                      data={"csrf_token": csrf_from(other, page), "next": page},
                      follow_redirects=True).get_data(as_text=True)
    assert "Đã gửi thẩm định." in text and "chưa có tổ thẩm định" not in text


def test_the_api_answer_carries_the_notice(app, client, demo, criteria):
    material = make_material(owner="gv.van", subject="ngu_van", title="Bài 3. Vẻ đẹp quê hương")
    ordinary = make_material(owner="gv.toan", subject="toan", title="Số thập phân")
    db.session.commit()
    answer = client.post(f"/api/v1/materials/{material.id}/submit",
                         headers=bearer(api_token(client, "gv.van")), json={})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["state"] == "submitted"
    assert body["notice"]["code"] == "no_reviewers" and "Ngữ văn" in body["notice"]["message"]
    plain = client.post(f"/api/v1/materials/{ordinary.id}/submit",
                        headers=bearer(api_token(client, "gv.toan")), json={}).get_json()
    assert plain["state"] == "submitted" and "notice" not in plain


def test_the_district_admin_sees_it_on_the_home_page(app, client, demo, criteria):
    material = make_material(owner="gv.van", subject="ngu_van", title="Bài 4. Quê hương yêu dấu")
    services.submit(material, user("gv.van"))
    db.session.commit()
    assert login(client, "admin").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Bài 4. Quê hương yêu dấu" in home
    assert f'href="/reviews/items/material/{material.id}"' in home
    ngu_van = school_services.subject_by_code("ngu_van")
    assert f'href="/admin/groups/new?subject={ngu_van.id}"' in home


def school_services_admin(username):
    from lms.accounts import services as account_services

    admin = account_services.create_user(username, "Trưởng phòng", Role.DISTRICT_ADMIN, "mat-khau-that-dai")
    db.session.commit()
    return admin
