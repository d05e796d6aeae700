"""Issue 14.3: notices to parents (marks released, an assignment missed, once), a teacher's note to
the parents of a class shown on the parent's home page, and a student sees their linked parents."""

import datetime as dt

from lms.accounts.models import User
from lms.assignments import marking, submissions
from lms.assignments.permissions import teaches
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.parents import jobs
from lms.review.models import Notification
from tests.conftest import DEMO_PASSWORD, csrf_from, login
from tests.query_budget import count_queries
from tests.web.conftest_admin import user_named
from tests.web.test_parents_view import _assignment, _classroom


def _notices(username, key):
    return db.session.scalars(db.select(Notification).join(User, User.id == Notification.user_id)
                              .where(User.username == username, Notification.message_key == key)
                              .order_by(Notification.id)).all()


def _signed_in(app, username):
    client = app.test_client()
    assert login(client, username, DEMO_PASSWORD).status_code == 302
    return client


def _about(notices, assignment):
    return [n for n in notices if n.params.get("assignment_id") == assignment.id]


def test_releasing_marks_tells_the_parents_of_those_who_handed_in(app, demo):
    now = utcnow()
    student, teacher = user_named("hs.6a1.01"), user_named("gv.toan")
    assignment = _assignment("Bài tập: rút gọn phân số", now + dt.timedelta(days=1))
    db.session.commit()
    work = submissions.submit_work(assignment, student, "Bài làm của em")
    db.session.commit()
    marking.grade_submission(work, teacher, "8", "Tốt.", work.lock_version)
    db.session.commit()
    assert _about(_notices("ph.6a1.01", "child_grades_released"), assignment) == []  # not before the release
    marking.release_grades(assignment, teacher)
    db.session.commit()  # the receiver runs after the commit

    told = _about(_notices("ph.6a1.01", "child_grades_released"), assignment)
    assert len(told) == 1
    assert told[0].link == f"/parents/children/{student.id}"
    assert told[0].params["student"] == student.full_name and "Bài tập: rút gọn phân số" in told[0].message
    # hs.6a1.02 handed nothing in: their parent hears nothing.
    assert _about(_notices("ph.6a1.02", "child_grades_released"), assignment) == []


def test_a_missed_assignment_is_told_to_each_parent_once(app, demo):
    now = utcnow()
    missed = _assignment("Bài tập về nhà: phân số bằng nhau", now - dt.timedelta(hours=2))
    still_open = _assignment("Bài tập: quy đồng", now - dt.timedelta(hours=2), cutoff=now + dt.timedelta(days=1))
    done = _assignment("Bài tập: so sánh phân số", now - dt.timedelta(hours=1), cutoff=now + dt.timedelta(minutes=1))
    db.session.commit()
    submissions.submit_work(done, user_named("hs.6a1.02"), "Bài làm")
    db.session.commit()

    made = jobs.notify_missed(now + dt.timedelta(minutes=5))
    db.session.commit()
    assert made > 0
    first = _about(_notices("ph.6a1.01", "child_missed"), missed)
    assert len(first) == 1 and first[0].params["student_id"] == user_named("hs.6a1.01").id
    assert first[0].link == f"/parents/children/{user_named('hs.6a1.01').id}"
    assert _about(_notices("ph.6a1.01", "child_missed"), still_open) == []  # its cut-off has not passed
    # hs.6a1.02 handed `done` in; hs.6a1.01 did not.
    assert _about(_notices("ph.6a1.02", "child_missed"), done) == []
    assert len(_about(_notices("ph.6a1.01", "child_missed"), done)) == 1
    # The parent of hs.6a2.01 too (ph.6a1.01) hears nothing of 6A1's homework for that child.
    assert {n.params["student_id"] for n in _notices("ph.6a1.01", "child_missed")} == {user_named("hs.6a1.01").id}

    # Run again: nothing new, in the same fixed number of statements.
    with count_queries() as counted:
        assert jobs.notify_missed(now + dt.timedelta(minutes=6)) == 0
    assert len(counted) == 2, counted.report()
    assert len(_about(_notices("ph.6a1.01", "child_missed"), missed)) == 1


def test_notify_missed_reads_a_fixed_number_of_statements(app, demo):
    now = utcnow()
    _assignment("Bài 1", now - dt.timedelta(hours=1))
    db.session.commit()
    with count_queries() as one:
        jobs.notify_missed()
    db.session.commit()
    for n in range(2, 6):
        _assignment(f"Bài {n}", now - dt.timedelta(hours=1))
    db.session.commit()
    with count_queries() as many:
        made = jobs.notify_missed()
    selects = [s for s in many if s.lstrip().upper().startswith("SELECT")]
    assert made >= 4 * 6  # four assignments × the six linked parents of 6A1
    assert len(selects) == len([s for s in one if s.lstrip().upper().startswith("SELECT")]) == 2, many.report()


def test_the_periodic_task_commits_its_notices(app, demo):
    _assignment("Bài tập: số nguyên", utcnow() - dt.timedelta(hours=1))
    db.session.commit()
    jobs.notify_missed_assignments.call_local()
    db.session.rollback()
    assert any(n.params["title"] == "Bài tập: số nguyên" for n in _notices("ph.6a1.03", "child_missed"))


def test_a_teacher_writes_to_the_parents_of_a_class(app, demo):
    classroom = _classroom()
    teacher = _signed_in(app, "gv.toan")
    page = teacher.get(f"/assignments/classes/{classroom.id}").get_data(as_text=True)
    assert f"/parents/classes/{classroom.id}/note" in page
    url = f"/parents/classes/{classroom.id}/note"
    form = teacher.get(url)
    assert form.status_code == 200 and "csrf_token" in form.get_data(as_text=True)
    token = csrf_from(teacher, url)

    too_long = "Kính gửi quý phụ huynh. " * 30
    refused = teacher.post(url, data={"csrf_token": token, "text": too_long})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Tối đa 500 ký tự" in html and "Kính gửi quý phụ huynh." in html  # kept, error at the field
    assert _notices("ph.6a1.01", "class_note") == []
    assert teacher.post(url, data={"text": "Không có mã"}).status_code == 400  # CSRF

    text = "Ki\u0301nh gửi phụ huynh: thứ Sáu các em mang <b>thước kẻ</b> và com-pa.<script>x()</script>"
    sent = teacher.post(url, data={"csrf_token": token, "text": text})  # decomposed: kept as NFC
    assert sent.status_code == 302
    notes = _notices("ph.6a1.01", "class_note")
    assert len(notes) == 1
    kept = notes[0].params["text"]
    assert kept.startswith("Kính gửi") and "<b>" not in kept and "script" not in kept and "thước kẻ" in kept
    assert notes[0].params["teacher"] == user_named("gv.toan").full_name and notes[0].params["classroom"] == "6A1"
    assert len(_notices("ph.6a1.06", "class_note")) == 1

    parent = _signed_in(app, "ph.6a1.01")
    home = parent.get("/parents/").get_data(as_text=True)
    assert "Lời nhắn của giáo viên" in home and "thước kẻ và com-pa" in home and "<b>" not in home


def test_only_a_teacher_of_the_class_may_write_to_its_parents(app, demo):
    classroom = _classroom()
    other = next(u for u in db.session.scalars(db.select(User).where(User.role == "teacher"))
                 if not teaches(u, classroom))
    url = f"/parents/classes/{classroom.id}/note"
    stranger = _signed_in(app, other.username)
    assert stranger.get(url).status_code == 404
    token = csrf_from(stranger, "/account/password")
    assert stranger.post(url, data={"csrf_token": token, "text": "Xin chào"}).status_code == 404
    assert _signed_in(app, "ph.6a1.01").get(url).status_code == 403
    assert _signed_in(app, "hs.6a1.01").get(url).status_code == 403
    assert _notices("ph.6a1.01", "class_note") == []


def test_a_student_sees_which_parents_are_linked_to_them(app, demo):
    parent = user_named("ph.6a1.01")
    html = _signed_in(app, "hs.6a1.01").get("/").get_data(as_text=True)
    assert 'id="my-parents"' in html and parent.full_name in html
    other = _signed_in(app, "hs.6a1.03").get("/").get_data(as_text=True)
    assert parent.full_name not in other
