"""Time every report query on a city-sized district (issue 13).

    .venv/bin/python bench/report_bench.py                        # SQLite in a temporary folder
    .venv/bin/python bench/report_bench.py --database postgresql://postgres@127.0.0.1:5432/bench_r
    .venv/bin/python bench/report_bench.py --scale 0.1            # a tenth of the sizes first

Seeds (bulk inserts, not the services: the figures are about reading) 50 schools, 40,000 students
in classes of 40, 1,500 teachers, materials and questions with their review events, and 100,000
assignments of the current school year, each given to one class, with an outcome (quiz attempt,
written submission or material view) for `--outcomes` of the class's students. Then, for the whole
district and for one school, runs each query of lms/reports/queries.py `--repeat` times and prints
the median, and the whole dashboard as its page builds it (tables.build) and the two API answers.
Goal: every dashboard under 500 ms on PostgreSQL at that size.

**`--database` drops every table of that database**: give it one of its own.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = {"schools": 50, "students": 40_000, "teachers": 1_500, "assignments": 100_000,
         "materials": 30_000, "questions": 60_000}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.1 for a quick run)")
    parser.add_argument("--outcomes", type=int, default=10, help="students with an outcome per assignment")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse the seeded database if it has the data")
    parser.add_argument("--postgres-jit", action="store_true",
                        help="leave PostgreSQL's JIT on (the application turns it off: POSTGRES_JIT)")
    return parser.parse_args()


def chunks(rows, size=20_000):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def insert(db, table, rows):
    # Through the connection: the session's listeners (reports/summary.py) are not told of a bulk
    # load, the summary is rebuilt once afterwards.
    for part in chunks(rows):
        db.session.connection().execute(table.insert(), part)


def seed(db, sizes, outcomes, rng):
    from lms.accounts.models import User
    from lms.assignments.models import (
        Assignment,
        AssignmentQuestion,
        Attempt,
        MaterialView,
        Submission,
        assignment_classroom,
    )
    from lms.files.models import StoredFile
    from lms.materials.models import Material, MaterialVersion
    from lms.questions.models import Question, QuestionVersion
    from lms.review.models import WorkflowEvent
    from lms.schools import services
    from lms.schools.models import Classroom, Enrollment, Guardian, Office, School, Subject, Teaching, Topic

    services.init_reference_data()
    year = services.current_school_year()
    db.session.commit()
    start = dt.datetime(int(year.name[:4]), 8, 15, tzinfo=dt.UTC)
    now = dt.datetime.now(dt.UTC)
    span = max((now - start).total_seconds(), 86400)

    def when(lo=0.0, hi=1.0):
        return start + dt.timedelta(seconds=span * rng.uniform(lo, hi))

    office = db.session.scalar(db.select(Office).limit(1))
    subjects = db.session.scalars(db.select(Subject).order_by(Subject.position)).all()
    topics = {}
    for topic in db.session.scalars(db.select(Topic)):
        topics.setdefault((topic.subject_id, topic.grade), []).append(topic.id)
    with_topics = [key for key in topics]
    t0 = time.perf_counter()
    insert(db, School.__table__, [{"office_id": office.id, "code": f"B{n:03d}", "name": f"Trường THCS Số {n}",
                                   "created_at": start} for n in range(sizes["schools"])])
    school_ids = db.session.scalars(db.select(School.id).order_by(School.id)).all()
    hashed = "pbkdf2:sha256:1000$bench$" + "0" * 64
    users = []
    for n in range(sizes["teachers"]):
        users.append({"username": f"bench.gv{n}", "full_name": f"Giáo viên {n}", "name_sort": f"gv {n:06d}",
                      "password_hash": hashed, "role": "teacher", "school_id": school_ids[n % len(school_ids)],
                      "active": True, "must_change_password": False, "created_at": start})
    for n in range(sizes["students"]):
        users.append({"username": f"bench.hs{n}", "full_name": f"Học sinh {n}", "name_sort": f"hs {n:06d}",
                      "password_hash": hashed, "role": "student", "school_id": school_ids[n % len(school_ids)],
                      "active": True, "must_change_password": False, "created_at": start})
    insert(db, User.__table__, users)
    rows = db.session.execute(db.select(User.id, User.role, User.school_id).where(User.username.like("bench.%"))
                              .order_by(User.id)).all()
    teachers, students = {}, {}
    for uid, role, school_id in rows:
        (teachers if role == "teacher" else students).setdefault(school_id, []).append(uid)
    classes = []
    for school_id in school_ids:
        for i in range(0, len(students.get(school_id, [])), 40):
            classes.append({"school_id": school_id, "school_year_id": year.id, "grade": 6 + (i // 40) % 3,
                            "name": f"{6 + (i // 40) % 3}A{i // 40}"})
    insert(db, Classroom.__table__, classes)
    rooms = {}
    for cid, school_id, grade in db.session.execute(db.select(Classroom.id, Classroom.school_id, Classroom.grade)
                                                    .where(Classroom.school_id.in_(school_ids))):
        rooms.setdefault(school_id, []).append((cid, grade))
    enrolments, members, teaching = [], {}, []
    for school_id in school_ids:
        for index, uid in enumerate(students.get(school_id, [])):
            cid, _grade = rooms[school_id][index // 40]
            enrolments.append({"student_id": uid, "classroom_id": cid})
            members.setdefault(cid, []).append(uid)
        for index, (cid, _grade) in enumerate(rooms[school_id]):
            for k, subject in enumerate(subjects[:6]):
                school_teachers = teachers[school_id]
                teaching.append({"teacher_id": school_teachers[(index + k) % len(school_teachers)],
                                 "classroom_id": cid, "subject_id": subject.id})
    insert(db, Enrollment.__table__, enrolments)
    insert(db, Teaching.__table__, teaching)
    insert(db, Guardian.__table__, [])  # parents are not seeded: the metric reads zero
    print(f"  people and classes: {time.perf_counter() - t0:.1f} s", flush=True)

    t0 = time.perf_counter()
    insert(db, StoredFile.__table__, [{"sha256": f"{n:064x}", "size": 1000, "mime": "application/pdf",
                                       "kind_code": "pdf", "original_name": "a.pdf", "created_at": start}
                                      for n in range(1, 101)])
    file_ids = db.session.scalars(db.select(StoredFile.id)).all()
    all_teachers = [(uid, school_id) for school_id, ids in teachers.items() for uid in ids]
    states = ["approved"] * 6 + ["draft", "submitted", "in_review", "changes_requested", "rejected"]
    materials = []
    for n in range(sizes["materials"]):
        uid, school_id = rng.choice(all_teachers)
        subject_id, grade = rng.choice(with_topics)
        created = when(0, 0.9)
        state = rng.choice(states)
        materials.append({"title": f"Học liệu {n}", "title_sort": f"hoc lieu {n}", "description": "",
                          "topic_id": rng.choice(topics[(subject_id, grade)]), "series": "ket_noi",
                          "kind": "worksheet", "license": "cc_by", "author": "", "source": "",
                          "uploader_is_author": True, "rights_confirmed": True, "state": state, "lock_version": 1,
                          "owner_id": uid, "school_id": school_id, "subject_id": subject_id, "grade": grade,
                          "submitted_at": created + dt.timedelta(hours=1) if state != "draft" else None,
                          "created_at": created, "updated_at": created,
                          "published_at": created + dt.timedelta(days=2) if state == "approved" else None})
    insert(db, Material.__table__, materials)
    material_rows = db.session.execute(db.select(Material.id, Material.owner_id, Material.state, Material.created_at)
                                       .order_by(Material.id)).all()
    insert(db, MaterialVersion.__table__, [{"material_id": mid, "number": 1, "stored_file_id": rng.choice(file_ids),
                                           "file_name": "a.pdf", "note": "", "created_by_id": owner,
                                           "created_at": created, "status": "published" if state == "approved"
                                           else "draft", "processing_state": "ok"}
                                          for mid, owner, state, created in material_rows])
    db.session.execute(db.text("UPDATE material SET published_version_id = (SELECT id FROM material_version v "
                               "WHERE v.material_id = material.id) WHERE state = 'approved'"))
    questions = []
    for n in range(sizes["questions"]):
        uid, school_id = rng.choice(all_teachers)
        subject_id, grade = rng.choice(with_topics)
        created = when(0, 0.9)
        state = rng.choice(states)
        questions.append({"qtype": "single_choice", "topic_id": rng.choice(topics[(subject_id, grade)]),
                          "level": "nhan_biet", "tags": [], "outcome": "", "summary": f"Câu {n}", "state": state,
                          "lock_version": 1, "owner_id": uid, "school_id": school_id, "subject_id": subject_id,
                          "grade": grade, "submitted_at": created + dt.timedelta(hours=1) if state != "draft" else None,
                          "created_at": created, "updated_at": created,
                          "published_at": created + dt.timedelta(days=1) if state == "approved" else None})
    insert(db, Question.__table__, questions)
    question_rows = db.session.execute(db.select(Question.id, Question.owner_id, Question.state, Question.created_at,
                                                 Question.school_id, Question.subject_id).order_by(Question.id)).all()
    insert(db, QuestionVersion.__table__, [{"question_id": qid, "number": 1, "stem": "1 + 1 = ?",
                                           "data": {"options": [{"id": "a", "text": "2"}], "correct": "a"},
                                           "explanation": "", "text_key": f"{qid:064x}", "note": "",
                                           "status": "published" if state == "approved" else "draft",
                                           "created_by_id": owner, "created_at": created}
                                          for qid, owner, state, created, _s, _j in question_rows])
    db.session.execute(db.text("UPDATE question SET current_version_id = (SELECT id FROM question_version v "
                               "WHERE v.question_id = question.id)"))
    db.session.execute(db.text("UPDATE question SET published_version_id = current_version_id "
                               "WHERE state = 'approved'"))
    events = []
    reviewer = all_teachers[0][0]
    for kind, item_rows in (("material", material_rows), ("question", question_rows)):
        for row in item_rows:
            item_id, owner, state, created = row[:4]
            if state == "draft":
                continue
            submitted = created + dt.timedelta(hours=1)
            events.append({"item_type": kind, "item_id": item_id, "from_state": "draft", "to_state": "submitted",
                           "action": "submit", "actor_id": owner, "at": submitted})
            decided = submitted + dt.timedelta(hours=rng.uniform(2, 24 * 14))
            action = {"approved": "approve", "changes_requested": "request_changes", "rejected": "reject"}.get(state)
            if action:
                events.append({"item_type": kind, "item_id": item_id, "from_state": "in_review", "to_state": state,
                               "action": action, "actor_id": reviewer, "at": decided})
    insert(db, WorkflowEvent.__table__, events)
    db.session.commit()
    print(f"  {len(materials)} materials, {len(questions)} questions, {len(events)} events: "
          f"{time.perf_counter() - t0:.1f} s", flush=True)

    t0 = time.perf_counter()
    approved_questions = {}
    for qid, _owner, state, _created, _school_id, subject_id in question_rows:
        if state == "approved":
            approved_questions.setdefault(subject_id, []).append(qid)
    version_of = dict(db.session.execute(db.select(QuestionVersion.question_id, QuestionVersion.id)).all())
    kinds = ["quiz", "quiz", "submission", "material"]
    approved_materials = [mid for mid, _o, state, _c in material_rows if state == "approved"]
    done = 0
    batch = 10_000
    total = sizes["assignments"]
    while done < total:
        count = min(batch, total - done)
        assignments, plans = [], []
        for _ in range(count):
            school_id = rng.choice(school_ids)
            cid, _grade = rng.choice(rooms[school_id])
            subject = rng.choice(subjects[:6])
            kind = rng.choice(kinds)
            created = when(0, 0.95)
            due = created + dt.timedelta(days=7)
            assignments.append({"teacher_id": rng.choice(teachers[school_id]), "school_id": school_id, "kind": kind,
                                "title": "Bài tập", "instructions": "", "subject_id": subject.id,
                                "material_id": rng.choice(approved_materials) if kind == "material" else None,
                                "open_at": created, "due_at": due, "max_attempts": 1, "grading_method": "highest",
                                "shuffle_questions": False, "shuffle_options": False, "show_answers": "after_submit",
                                "created_at": created, "updated_at": created})
            plans.append((cid, kind, subject.id, created, due))
        insert(db, Assignment.__table__, assignments)
        ids = db.session.scalars(db.select(Assignment.id).order_by(Assignment.id.desc()).limit(count)).all()[::-1]
        links, questions_of, attempts, submissions, views = [], [], [], [], []
        for aid, (cid, kind, subject_id, created, due) in zip(ids, plans, strict=True):
            links.append({"assignment_id": aid, "classroom_id": cid})
            pool = approved_questions.get(subject_id)
            if kind == "quiz" and pool:
                qid = rng.choice(pool)
                questions_of.append({"assignment_id": aid, "question_id": qid, "question_version_id": version_of[qid],
                                     "position": 1, "marks": 1})
            for sid in rng.sample(members[cid], min(outcomes, len(members[cid]))):
                at = created + dt.timedelta(days=rng.uniform(0, 9))
                late = at > due
                if kind == "quiz":
                    attempts.append({"assignment_id": aid, "student_id": sid, "number": 1, "state": "submitted",
                                     "started_at": at, "submitted_at": at, "auto_submitted": False, "late": late,
                                     "score": 1, "max_score": 1, "mark": round(rng.uniform(0, 10), 1),
                                     "needs_grading": False, "lock_version": 1})
                elif kind == "submission":
                    submissions.append({"assignment_id": aid, "student_id": sid, "text": "", "submitted_at": at,
                                        "late": late, "count": 1, "mark": round(rng.uniform(0, 10), 1),
                                        "feedback": "", "lock_version": 1})
                else:
                    views.append({"assignment_id": aid, "student_id": sid, "first_at": at, "last_at": at,
                                  "views": 1, "seconds": 60})
        insert(db, assignment_classroom, links)
        insert(db, AssignmentQuestion.__table__, questions_of)
        insert(db, Attempt.__table__, attempts)
        insert(db, Submission.__table__, submissions)
        insert(db, MaterialView.__table__, views)
        db.session.commit()
        done += count
        print(f"  assignments {done}/{total}: {time.perf_counter() - t0:.1f} s", flush=True)


def timed(function, repeat):
    times = []
    result = None
    for _ in range(repeat):
        from lms.extensions import db

        db.session.expire_all()
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def measure(app, repeat):
    from lms.extensions import db
    from lms.reports import queries, tables
    from lms.schools.models import School, Subject
    from lms.schools.services import current_school_year

    year = current_school_year()
    school_id = db.session.scalar(db.select(School.id).where(School.code == "B000"))
    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    scopes = [("district", queries.Filters(year)), ("one school", queries.Filters(year, None, None, school_id)),
              ("district, Toán 6", queries.Filters(year, toan, 6))]
    cases = [
        ("teacher_activity", lambda f: queries.teacher_activity(f)),
        ("items_by_state", lambda f: queries.items_by_state(f)),
        ("review_decisions", lambda f: queries.review_decisions(f)),
        ("review_stats (the dashboard's)", lambda f: queries.review_stats(f)),
        ("queue_now", lambda f: queries.queue_now(f)),
        ("queue_stats (the dashboard's)", lambda f: queries.queue_stats(f)),
        ("assignment_stats", lambda f: queries.assignment_stats(f)),
        ("assignment_school_totals", lambda f: queries.assignment_school_totals(f)),
        ("topic_totals", lambda f: queries.topic_totals(f)),
        ("covered_topics", lambda f: queries.covered_topics(f)),
        ("covered_counts (the dashboard's)", lambda f: queries.covered_counts(f)),
        ("monthly_trends", lambda f: queries.monthly_trends(f)),
        ("dx_metrics", lambda f: queries.dx_metrics(f)),
        ("dx_entries", lambda f: queries.dx_entries(f)),
    ]
    subjects = {s.id: s for s in db.session.scalars(db.select(Subject))}

    def dashboard(f):
        schools = queries.schools(f.school_id)
        return tables.build(f, schools, subjects, with_dx=False, teachers_listed=f.school_id is not None)

    def dx_page(f):
        report = tables.Report(queries.Filters(f.year, None, None, f.school_id), queries.schools(f.school_id), subjects)
        tables.add_dx(report)
        return report

    def year_end(f):
        schools = queries.schools(f.school_id)
        report = tables.build(queries.Filters(f.year, None, None, f.school_id), schools, subjects)
        return tables.workbook(report, ("schools", "online", "trends", "assignments", "review", "items", "teachers",
                                        "dx", "dx_criteria"), "Báo cáo cuối năm")

    wholes = [("= dashboard page (all its queries + tables)", dashboard), ("= DX indicators page", dx_page),
              ("= end-of-year workbook (queries + XLSX)", year_end)]
    results = {}
    with app.test_request_context():
        for scope, f in scopes:
            for name, case in cases + wholes:
                if scope == "district, Toán 6" and name.startswith("= end"):
                    continue
                ms, _ = timed(lambda case=case, f=f: case(f), repeat)
                results[(name, scope)] = ms
                print(f"  {scope}: {name} {ms:.0f} ms", flush=True)
    return results, [s for s, _ in scopes], [n for n, _ in cases + wholes]


def counts(db):
    from lms.accounts.models import User
    from lms.assignments.models import Assignment, Attempt, MaterialView, Submission
    from lms.materials.models import Material
    from lms.questions.models import Question
    from lms.schools.models import School

    def n(model, *where):
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))

    return {"schools": n(School), "teachers": n(User, User.role == "teacher"),
            "students": n(User, User.role == "student"), "materials": n(Material), "questions": n(Question),
            "assignments": n(Assignment), "attempts": n(Attempt), "submissions": n(Submission),
            "material views": n(MaterialView)}


def analyze(db):
    if db.engine.dialect.name == "postgresql":
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(db.text("VACUUM ANALYZE"))
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def main():
    args = parse_args()
    rng = random.Random(13)
    sizes = {k: max(1, int(v * args.scale)) for k, v in SIZES.items()}
    folder = tempfile.mkdtemp(prefix="report-bench-")
    url = args.database or f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("LMS_INSTANCE_PATH", folder)
    from lms import create_app
    from lms.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": folder,
                      "TESTING": False, "HUEY_IMMEDIATE": True, "POSTGRES_JIT": args.postgres_jit})
    with app.app_context():
        seeded = False
        if args.keep:
            try:
                seeded = counts(db)["assignments"] > 0
            except Exception:  # noqa: BLE001 - no tables yet
                db.session.rollback()
        if not seeded:
            db.drop_all()
            db.create_all()
            print(f"seeding {sizes} on {db.engine.dialect.name} …", flush=True)
            t0 = time.perf_counter()
            seed(db, sizes, args.outcomes, rng)
            analyze(db)
            print(f"seeded in {time.perf_counter() - t0:.0f} s", flush=True)
        db.create_all()  # tables added since the data was seeded (--keep)
        for table in db.metadata.sorted_tables:  # and indexes
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
        from lms.reports import summary
        from lms.reports.models import DecisionSummary, GivenSummary, MonthSummary, TopicSummary, WorkSummary

        if seeded and db.session.scalar(db.select(WorkSummary.assignment_id).limit(1)) and \
                not db.session.scalar(db.select(MonthSummary.id).limit(1)):
            t0 = time.perf_counter()  # a summary table added since the data was seeded
            summary._write_months()
            db.session.commit()
            print(f"report month rows built: {time.perf_counter() - t0:.1f} s", flush=True)
            analyze(db)
        if seeded and db.session.scalar(db.select(WorkSummary.assignment_id).limit(1)) and \
                not db.session.scalar(db.select(DecisionSummary.event_id).limit(1)):
            t0 = time.perf_counter()  # the decisions' summary added since the data was seeded
            summary._write_decisions()
            db.session.commit()
            print(f"report decision rows built: {time.perf_counter() - t0:.1f} s", flush=True)
            analyze(db)
        if seeded and db.session.scalar(db.select(WorkSummary.assignment_id).limit(1)) and \
                not (db.session.scalar(db.select(GivenSummary.assignment_id).limit(1)) and
                     db.session.scalar(db.select(TopicSummary.assignment_id).limit(1))):
            t0 = time.perf_counter()  # the given assignments' and topics' summary added since the data was seeded
            summary._write_given()
            summary._write_topics()
            db.session.commit()
            print(f"report given and topic rows built: {time.perf_counter() - t0:.1f} s", flush=True)
            analyze(db)
        if not seeded or not db.session.scalar(db.select(WorkSummary.assignment_id).limit(1)):
            t0 = time.perf_counter()
            rows, reach = summary.rebuild()
            db.session.commit()
            print(f"report summary rebuilt ({rows:,} assignment × class rows, {reach:,} reach rows): "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
            analyze(db)
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts(db).items()))
        results, scopes, names = measure(app, args.repeat)
    width = max(len(n) for n in names) + 2
    print(f"\n{url.split(':')[0]}: median of {args.repeat} runs, milliseconds")
    print("query".ljust(width) + "".join(s.rjust(20) for s in scopes))
    for name in names:
        print(name.ljust(width) + "".join(
            (f"{results[(name, s)]:.0f}" if (name, s) in results else "—").rjust(20) for s in scopes))
    dashboards = [v for (n, _s), v in results.items() if n.startswith("= dashboard") or n.startswith("= DX")]
    print(f"\nslowest dashboard: {max(dashboards):.0f} ms (goal: under 500 ms on PostgreSQL)")


if __name__ == "__main__":
    main()
