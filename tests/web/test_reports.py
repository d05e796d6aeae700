"""The oversight reports (issue 13) against a hand-built district whose every statistic is known
(tests/reports_support.py): the queries, the DX scores, the pages, exports, API and permissions."""

import datetime as dt
import io
import json

import openpyxl
import pytest

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.reports import indicators, queries, tables
from lms.reports.models import DxEntry
from lms.schools.models import Subject
from tests.conftest import api_token, bearer, csrf_from
from tests.reports_support import YEAR, _material, _question, at, build_world


@pytest.fixture
def world(app):
    return build_world()


def filters(world, school=None, subject=None, grade=None):
    return queries.Filters(world.year, subject, grade, world.schools[school].id if school else None)


def login(client, key):
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"username": f"r.{key}", "password": "hoclieu-demo", "csrf_token": token})
    assert response.status_code == 302
    return client


# --------------------------------------------------------------------------- statistics


def test_teachers_who_uploaded_authored_and_assigned(world):
    by_school, total = queries.teacher_summary(queries.teacher_activity(filters(world)))
    ra, rb = by_school[world.schools["ra"].id], by_school[world.schools["rb"].id]
    assert (ra.teachers, ra.uploaded, ra.authored, ra.assigned, ra.active) == (3, 1, 1, 2, 2)
    assert ra.share("active") == pytest.approx(2 / 3)
    # t5's material is from the year before: not this year's activity.
    assert (rb.teachers, rb.uploaded, rb.active) == (2, 0, 0)
    assert total.teachers == 5
    rows = {r.full_name: r for r in queries.teacher_activity(filters(world, "ra"))}
    assert (rows["Người T1"].uploaded, rows["Người T1"].authored, rows["Người T1"].assigned) == (2, 1, 2)
    assert rows["Người T2"].assigned == 1 and "Người T4" not in rows


def test_teacher_activity_follows_the_subject_filter(world):
    van = db.session.scalar(db.select(Subject).where(Subject.code == "ngu_van"))
    rows = {r.full_name: r for r in queries.teacher_activity(filters(world, "ra", subject=van))}
    assert (rows["Người T1"].uploaded, rows["Người T1"].authored, rows["Người T1"].assigned) == (0, 0, 1)
    assert rows["Người T2"].assigned == 0


def test_items_by_state_count_the_years_items(world):
    counts = {(r.item_type, r.state): r.n for r in queries.items_by_state(filters(world))}
    assert counts == {("material", "approved"): 1, ("material", "submitted"): 1, ("question", "approved"): 1}


def test_review_approval_rate_median_p90_and_queue_age(world):
    f = filters(world)
    summary = queries.review_summary(queries.review_decisions(f), queries.queue_now(f))
    assert (summary.decisions, summary.approved) == (3, 2)
    assert summary.approval_rate == pytest.approx(2 / 3)
    # 24 h (changes requested), 48 h (from the second submission), 12 h (q1)
    assert summary.median_hours == pytest.approx(24)
    assert summary.p90_hours == pytest.approx(24 + 0.8 * 24)
    assert summary.waiting == 1
    assert summary.oldest_days == pytest.approx(3, abs=0.01)


def _waiting_item(world):
    """Two more items waiting: a material of m2's group submitted a day ago (the group's ages 3 and
    1 days: median 2), a question in review without a submission time (counted, no age)."""
    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    t1, ra, topic = world.users["t1"], world.schools["ra"], world.items["m2"].topic
    m4 = _material(world, "m4", t1, ra, toan, topic, "in_review", at(2024, 9, 21))
    m4.submitted_at = utcnow() - dt.timedelta(days=1)
    _question(world, "q9", t1, ra, toan, topic, "in_review", at(2024, 9, 22))
    db.session.commit()


def test_review_stats_grouped_by_the_database_equal_the_decisions(world):
    """review_stats and queue_stats (percentile_cont on PostgreSQL, Python on SQLite) give what
    the per-decision and per-waiting-item rows give, per (type, subject, grade) and for the whole."""
    f = filters(world)
    _waiting_item(world)
    decisions, waiting = queries.review_decisions(f), queries.queue_now(f)
    assert len(waiting) == 3
    now = utcnow()
    whole, grouped = queries.review_tables(queries.review_stats(f), queries.queue_stats(f, now))
    expected = queries.review_by(decisions, waiting, lambda r: (r.item_type, r.subject_id, r.grade), now)
    expected[None] = queries.review_summary(decisions, waiting, now)
    assert set(grouped) == set(expected) - {None}
    for key, summary in [*grouped.items(), (None, whole)]:
        want = expected[key]
        assert (summary.decisions, summary.approved, summary.waiting) == (want.decisions, want.approved, want.waiting)
        for name in ("median_hours", "p90_hours", "oldest_days", "median_wait_days"):
            assert getattr(summary, name) == pytest.approx(getattr(want, name), abs=1e-6)
    assert whole.waiting == 3 and whole.median_wait_days == pytest.approx(2, abs=0.01)
    assert (whole.decisions, whole.approved) == (3, 2)
    assert (whole.median_hours, whole.p90_hours) == (pytest.approx(24), pytest.approx(24 + 0.8 * 24))
    empty = queries.review_stats(filters(world, subject=db.session.scalar(
        db.select(Subject).where(Subject.code == "gdcd"))))
    assert empty[None].decisions == 0 and empty[None].median_hours is None


def test_postgresql_connections_run_without_jit(app):
    from lms.config import jit_off

    assert jit_off({"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000"}}) == {
        "pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000 -c jit=off"}}
    if db.engine.dialect.name == "postgresql":
        assert db.session.scalar(db.text("SHOW jit")) == "off"
    else:
        assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_percentile_is_the_linear_interpolation():
    assert queries.percentile([], 0.5) is None
    assert queries.percentile([5], 0.9) == 5
    assert queries.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert queries.percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)


def test_assignments_per_class_and_subject(world):
    rows = {(r.classroom, r.subject_id): r for r in queries.assignment_stats(filters(world))}
    toan = world.assignments["a1"].subject_id
    van = world.assignments["a2"].subject_id
    quiz = rows[("6A", toan)]
    assert (quiz.assignments, quiz.students, quiz.reached, quiz.due, quiz.done, quiz.on_time) == (1, 4, 3, 4, 2, 1)
    assert (quiz.completion_rate, quiz.on_time_rate, quiz.average_mark) == (0.5, 0.5, 7.0)
    written = rows[("6A", van)]
    assert (written.reached, written.done, written.on_time, written.average_mark) == (2, 2, 1, 6.0)
    seventh = rows[("7A", van)]
    assert (seventh.students, seventh.done, seventh.on_time_rate, seventh.average_mark) == (2, 1, 1.0, 10.0)
    not_due = rows[("7A", toan)]
    assert (not_due.reached, not_due.due, not_due.completion_rate) == (1, 0, None)
    assert ("6A-cu", toan) not in rows  # a class of the year before


def test_assignment_totals_count_each_student_once(world):
    totals = queries.assignment_school_totals(filters(world))
    ra = totals[world.schools["ra"].id]
    assert (ra.assignments, ra.pairs, ra.students, ra.reached, ra.due, ra.done, ra.on_time) == (3, 12, 6, 5, 10, 5, 3)
    assert ra.average_mark == 7.5
    assert world.schools["rb"].id not in totals


def test_online_share_per_subject_and_grade_against_35_percent(world):
    f = filters(world)
    totals, covered = queries.topic_totals(f), queries.covered_topics(f)
    toan = world.assignments["a1"].subject_id
    n = totals[(toan, 6)]
    rows, _overall = queries.online_share(totals, covered, world.schools["ra"].id)
    ra = next(r for r in rows if (r.subject_id, r.grade) == (toan, 6))
    # m1 approved (topic 1) and q1 used by a1 (topic 3); m2 is only submitted
    assert (ra.topics, ra.covered) == (n, 2)
    rows, _ = queries.online_share(totals, covered, world.schools["rb"].id)
    assert next(r for r in rows if (r.subject_id, r.grade) == (toan, 6)).covered == 1  # m3, approved earlier
    rows, overall = queries.online_share(totals, covered)
    district = next(r for r in rows if (r.subject_id, r.grade) == (toan, 6))
    assert district.covered == 3
    assert district.share == pytest.approx(3 / n) and district.meets_target is (3 / n >= 0.35)
    assert overall.covered == 3 and overall.topics == sum(totals.values())


def test_covered_counts_are_the_coverage_of_the_rows(world):
    """covered_counts (counted by the database) equals what `coverage` makes of the rows, per
    school and for the district, where the district counts a topic covered by two schools once."""
    rb = world.schools["rb"]
    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    t5, topic = world.users["t5"], world.items["m1"].topic  # RB now also covers m1's topic
    _material(world, "m5", t5, rb, toan, topic, "approved", at(2024, 9, 1), published=at(2024, 9, 2))
    db.session.commit()
    for f in (filters(world), filters(world, "ra"), filters(world, grade=6), filters(world, subject=toan)):
        seen = queries.coverage(queries.covered_topics(f))
        counts = queries.covered_counts(f)
        assert counts == {school: {key: len(topics) for key, topics in by_key.items()}
                          for school, by_key in seen.items()}
    counts = queries.covered_counts(filters(world))
    key = (toan.id, 6)
    assert (counts[world.schools["ra"].id][key], counts[rb.id][key], counts[None][key]) == (2, 2, 3)


def test_monthly_trends_in_the_districts_zone(world):
    series = queries.monthly_trends(filters(world))
    assert series["assignments"] == {"2024-09": 1, "2024-10": 2}
    assert series["approvals"] == {"2024-09": 1}
    # 20:00 UTC on 30 September is 1 October in Hà Nội
    assert series["attempts"] == {"2024-10": 3}
    assert queries.months_of(filters(world))[0] == "2024-08" and queries.months_of(filters(world))[-1] == "2025-07"


def test_dx_metrics_and_score_of_a_school(world):
    f = filters(world, "ra")
    metrics = queries.dx_metrics(f)[world.schools["ra"].id]
    assert metrics["self_study_assignments"] == 1 and metrics["quizzes_given"] == 1
    assert metrics["quiz_subject_share"] == 0.5  # Toán has a quiz, Ngữ văn is taught without one
    assert metrics["inquiries_answered"] == 1
    assert metrics["students_with_parent_share"] == pytest.approx(1 / 6)
    assert metrics["approved_materials"] == 1
    assert metrics["teachers_active_share"] == pytest.approx(2 / 3)
    assert metrics["teachers_building_share"] == pytest.approx(1 / 3)
    result = indicators.score_school(indicators.load(), metrics, {})
    group1 = result.groups[0]
    # 6 × 4 (LMS functions in use) + 0.1 (1 of 100 materials) + 7.5 (half the subjects) + 4.67 + 2
    assert group1.score == pytest.approx(24 + 0.1 + 7.5 + 4.67 + 2.0)
    assert group1.level == 1 and result.level == 1
    assert {r.criterion.code for r in group1.mandatory_unmet} == {"1.1", "1.2"}
    assert result.groups[1].understated  # group 2 catalogues 90 of 100


# --------------------------------------------------------------------------- pages and exports


def test_office_dashboard_shows_every_school_with_charts(world, client):
    login(client, "admin_ra")  # warm-up: a school admin exists; the office is a district admin
    from lms.accounts import services as account_services
    from lms.accounts.models import Role

    account_services.create_user("r.office", "Phòng GD", Role.DISTRICT_ADMIN, "hoclieu-demo")
    db.session.commit()
    office = login(client.application.test_client(), "office")
    page = office.get(f"/reports/?year={YEAR}").get_data(as_text=True)
    assert "Trường THCS Rạng Đông" in page and "Trường THCS Bình Minh" in page
    assert page.count("<svg") >= 5 and 'id="chart-online-gauge"' in page
    assert 'id="table-schools"' in page


def test_school_admin_sees_only_their_school(world, client):
    login(client, "admin_ra")
    page = client.get(f"/reports/?year={YEAR}").get_data(as_text=True)
    assert "Trường THCS Rạng Đông" in page and "Trường THCS Bình Minh" not in page
    assert "Người T1" in page  # the school's teachers, by name
    assert client.get(f"/reports/?year={YEAR}&school={world.schools['rb'].id}").status_code == 404
    assert client.get(f"/reports/dx?school={world.schools['rb'].id}").status_code == 404
    assert client.get(f"/reports/export.xlsx?school={world.schools['rb'].id}").status_code == 404


@pytest.mark.parametrize("key", ["t1", "s1", "parent"])
def test_teachers_students_and_parents_get_403(world, client, key):
    login(client, key)
    for url in ("/reports/", "/reports/dx", "/reports/export.xlsx", "/reports/year-end.xlsx"):
        assert client.get(url).status_code == 403, url
    token = api_token(client, f"r.{key}")
    for url in ("/api/v1/reports/schools", "/api/v1/reports/dx-indicators"):
        assert client.get(url, headers=bearer(token)).status_code == 403, url


def test_xlsx_export_has_a_cover_and_a_sheet_per_table(world, client):
    world.schools["ra"].name = "=HYPERLINK(\"http://x\",\"Rạng Đông\")"
    db.session.commit()
    login(client, "admin_ra")
    response = client.get(f"/reports/export.xlsx?year={YEAR}")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames[0] == "Thông tin"
    assert {"Tổng hợp theo trường", "Bài giao theo lớp và môn", "Thẩm định"} <= set(workbook.sheetnames)
    cover = {row[0]: row[1] for row in workbook["Thông tin"].iter_rows(values_only=True)}
    assert cover["Năm học"] == YEAR and cover["Môn"] == "Tất cả" and cover["Lập lúc"]
    assert cover["Trường"].startswith("'=HYPERLINK")  # neutralised, never a formula
    schools = list(workbook["Tổng hợp theo trường"].iter_rows(values_only=True))
    assert schools[0][0] == "Trường" and schools[1][1] == 3  # three teachers
    assert schools[1][10] == 50.0 and schools[1][12] == 7.5  # completion %, average mark
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_csv_export_of_one_table(world, client):
    login(client, "admin_ra")
    response = client.get(f"/reports/export.csv?year={YEAR}&table=assignments")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Trường,Lớp,Môn,Bài đã giao")
    assert client.get("/reports/export.csv?table=nope").status_code == 404


def test_year_end_workbook_has_the_dx_indicators(world, client):
    login(client, "admin_ra")
    response = client.get(f"/reports/year-end.xlsx?year={YEAR}")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert "Chỉ số chuyển đổi số (QĐ 4725" in " ".join(workbook.sheetnames)
    criteria = workbook[[n for n in workbook.sheetnames if n.startswith("Chỉ số chuyển đổi số theo")][0]]
    codes = [row[1] for row in criteria.iter_rows(min_row=2, values_only=True) if row and row[1]]
    assert "1.3.2" in codes and "2.4.3" in codes


# --------------------------------------------------------------------------- API


def test_api_schools_report(world, client):
    token = api_token(client, "r.admin_ra")
    answer = client.get(f"/api/v1/reports/schools?year={YEAR}", headers=bearer(token)).get_json()
    assert answer["total"] == 1
    ra = answer["items"][0]
    assert ra["school_id"] == world.schools["ra"].id
    assert (ra["teachers"], ra["teachers_active"], ra["assignments"], ra["students_reached"]) == (3, 2, 3, 5)
    assert (ra["completion_rate"], ra["on_time_rate"], ra["average_mark"]) == (0.5, 0.6, 7.5)
    assert ra["online_target"] == 0.35
    other = client.get(f"/api/v1/reports/schools?school_id={world.schools['rb'].id}", headers=bearer(token))
    assert other.status_code == 404
    bad = client.get("/api/v1/reports/schools?grade=9&subject=xyz", headers=bearer(token))
    assert bad.status_code == 422 and set(bad.get_json()["error"]["details"]) == {"grade", "subject"}


def test_api_dx_indicators(world, client):
    token = api_token(client, "r.admin_ra")
    answer = client.get(f"/api/v1/reports/dx-indicators?year={YEAR}", headers=bearer(token)).get_json()
    assert answer["verified"] is False and [lv["level"] for lv in answer["levels"]] == [1, 2, 3]
    (school,) = answer["items"]
    assert school["level"] == 1
    group1 = school["groups"][0]
    assert group1["score"] == pytest.approx(38.27)
    measured = {c["code"]: c for c in group1["criteria"]}
    assert measured["1.5.1"]["value"] == 0.5 and measured["1.5.1"]["points"] == 7.5
    assert "1.1" in school["missing"]
    assert school["groups"][1]["catalogued_points"] == 90 and school["groups"][1]["understated"] is True
    other = client.get(f"/api/v1/reports/dx-indicators?school_id={world.schools['rb'].id}", headers=bearer(token))
    assert other.status_code == 404


# --------------------------------------------------------------------------- DX entries and the indicator file


def _entry_post(client, code, data, file=None):
    token = csrf_from(client, f"/reports/dx?year={YEAR}")
    body = {"csrf_token": token, **data}
    if file is not None:
        body["file"] = file
    return client.post(f"/reports/dx/{code}?year={YEAR}", data=body, content_type="multipart/form-data")


def test_school_admin_enters_a_criterion_with_evidence(world, client, make):
    login(client, "admin_ra")
    refused = _entry_post(client, "1.3.1", {"points": "6", "note": "Phần mềm họp trực tuyến"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Hãy đính kèm tệp minh chứng." in page and "Phần mềm họp trực tuyến" in page  # kept what was typed
    too_many = _entry_post(client, "1.3.1", {"points": "7"}, (io.BytesIO(make.pdf().read_bytes()), "ke-hoach.pdf"))
    assert too_many.status_code == 422 and "Điểm phải là số từ 0 đến 6." in too_many.get_data(as_text=True)
    saved = _entry_post(client, "1.3.1", {"points": "6"}, (io.BytesIO(make.pdf().read_bytes()), "ke-hoach.pdf"))
    assert saved.status_code == 302
    met = _entry_post(client, "1.1", {"met": "1"}, (io.BytesIO(make.pdf().read_bytes()), "ke-hoach-day-hoc.pdf"))
    assert met.status_code == 302
    entry = db.session.scalar(db.select(DxEntry).where(DxEntry.criterion_code == "1.3.1"))
    assert float(entry.points) == 6 and entry.evidence_name == "ke-hoach.pdf"
    assert client.get(f"/reports/dx/evidence/{entry.id}").status_code == 200
    token = api_token(client, "r.admin_ra")
    answer = client.get(f"/api/v1/reports/dx-indicators?year={YEAR}", headers=bearer(token)).get_json()
    assert answer["items"][0]["groups"][0]["score"] == pytest.approx(38.27 + 6)
    assert "1.1" not in answer["items"][0]["missing"]
    # measured criteria are not entered; the other school's admin neither sees nor enters
    assert _entry_post(client, "1.4", {"points": "10"}).status_code == 422
    other = client.application.test_client()
    login(other, "admin_rb")
    assert other.get(f"/reports/dx/evidence/{entry.id}").status_code == 404


def test_a_bad_indicator_file_is_refused_and_changes_nothing(world, client, app):
    from lms.accounts import services as account_services
    from lms.accounts.models import Role

    account_services.create_user("r.office", "Phòng GD", Role.DISTRICT_ADMIN, "hoclieu-demo")
    db.session.commit()
    login(client, "office")
    before = indicators.load()
    raw = json.loads(indicators.current_bytes())
    raw["groups"][0]["indicators"][2]["criteria"][0]["points"] = 90  # group 1 would add up to 184
    raw["levels"][1]["group_score"] = {"gt": 50, "lte": 75}  # 50 would belong to no level
    token = csrf_from(client, "/reports/dx/indicators")
    response = client.post("/reports/dx/indicators", data={
        "csrf_token": token, "action": "upload",
        "file": (io.BytesIO(json.dumps(raw).encode()), "chi-so.json")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "vượt điểm tối đa của nhóm" in page and "điểm 50 thuộc 0 mức" in page
    assert indicators.is_default() and indicators.load() == before
    broken = client.post("/reports/dx/indicators", data={
        "csrf_token": token, "action": "upload", "file": (io.BytesIO(b"{not json"), "chi-so.json")},
        content_type="multipart/form-data")
    assert broken.status_code == 422 and "Không đọc được JSON" in broken.get_data(as_text=True)
    # a good file is taken, and scores follow it
    raw = json.loads(indicators.current_bytes())
    raw["groups"][0]["indicators"][3]["criteria"][0]["measure"]["full_at"] = 1  # 1.4: one material is enough
    good = client.post("/reports/dx/indicators", data={
        "csrf_token": token, "action": "upload", "file": (io.BytesIO(json.dumps(raw).encode()), "chi-so.json")},
        content_type="multipart/form-data")
    assert good.status_code == 302 and not indicators.is_default()
    report = tables.Report(filters(world, "ra"), [world.schools["ra"]], {})
    tables.add_dx(report)
    assert report.dx[world.schools["ra"].id].groups[0].score == pytest.approx(38.27 - 0.1 + 10)


def test_openapi_declares_the_report_endpoints(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    schools = document["paths"]["/api/v1/reports/schools"]["get"]
    assert {p["name"] for p in schools["parameters"]} == {"year", "subject", "grade", "school_id"}
    assert {"200", "403", "404", "422"} <= set(schools["responses"])
    dx = document["paths"]["/api/v1/reports/dx-indicators"]["get"]
    assert {p["name"] for p in dx["parameters"]} == {"year", "school_id"}
