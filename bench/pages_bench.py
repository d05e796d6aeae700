"""Requests/s, p50 and p99 of the pages and endpoints students and teachers open every day, each
as a ratio to a bare Flask "hello" app served the same way in the same run.

    .venv/bin/python bench/pages_bench.py [--database postgresql://127.0.0.1:5432/bench_db]
                                          [--duration 10] [--connections 16,64] [--only api_library,...]

Method (bench/README.md says more):
- a temporary instance folder; SQLite in it, or the PostgreSQL database of `--database` (ALL ITS
  TABLES ARE DROPPED and created again: give it a database of its own);
- the schema (create_all), then the demo district through `flask lms seed-demo`, then 200 approved
  materials (real PDFs, processed: text and thumbnails) and a review queue, all through the
  services, as teachers and reviewers would make them;
- gunicorn, 4 sync workers, the bare app and the application side by side with the same
  settings; each case is measured right after a run of the bare app at the same concurrency, and
  its ratio is to that run (the load of others on a shared machine drifts during a run);
- wrk (Debian: `apt-get install -y wrk`) with 2 threads and a Lua script that rotates 30 students'
  bearer tokens or session cookies (signed in through the real form and token endpoint), over
  `--duration` seconds per case at each number of connections. Without wrk, a Python load
  generator (2 processes of threads) stands in; it is much slower than wrk, so its figures say
  less about the server: install wrk.

Cases: the library (API `GET /api/v1/materials?per_page=20` and the page `/materials/`), a
material's detail (API and page, rotating over 50 materials), a teacher's "my materials" (page and
`?mine=1`), a reviewer's queue (page and API) and the sign-in token endpoint (`POST
/api/v1/auth/token`, one scrypt hash per call by design). Issue 11 adds 200 assignments with
6A1's work (`--assignments`) and a student's to-do (API `GET /api/v1/assignments` and the page
`/assignments/`, 30 students) and the teacher's tracking of the demo quiz of 6A1 (30 students, 24
with attempts; API and page).

Goal (issue 8): list and detail endpoints at >= 25% of bare Flask's requests/s, web pages at >= 15%,
p99 < 250 ms at 64 connections. Not a test and never run in CI: it prints figures and exits 0
unless a case answers something other than 200.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv running the bench (gunicorn, flask)
PASSWORD = "hoclieu-demo"
STUDENTS = [f"hs.6a1.{n:02d}" for n in range(1, 31)]

SCHEMA = """
from lms import create_app
from lms.extensions import db
from lms.schools import services
app = create_app()
with app.app_context():
    if db.engine.dialect.name != "sqlite":
        db.drop_all()
    # create_all, not `flask lms init`: it also covers tables whose migration is not written yet.
    db.create_all()
    services.init_reference_data()
    db.session.commit()
"""

MATERIALS = """
import io
import sys
from pathlib import Path

from lms import create_app
from lms.accounts.models import User
from lms.extensions import db
from lms.files import services as files_services, uploads
from lms.materials import services
from lms.review import services as review
from lms.review.queries import criteria
from tests.files import pdf_with_text

APPROVED = int(sys.argv[1])
TOPICS = ["Phân số", "Số thập phân", "Tam giác", "Hình chữ nhật", "Tỉ lệ thức", "Đa thức", "Tế bào",
          "Năng lượng", "Âm thanh", "Ánh sáng", "Từ trường", "Hệ Mặt Trời", "Hỗn số", "Góc", "Đường tròn"]
KINDS = ["worksheet", "slides", "etextbook"]
SERIES = ["ket_noi", "chan_troi", "canh_dieu", "other"]

app = create_app()
with app.app_context():
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    scores = {c.code: 3 for c in criteria()}
    folder = Path(app.instance_path)

    def make(i, owner, subject, state):
        title = f"{TOPICS[i % len(TOPICS)]} — bài {i + 1}"
        path = pdf_with_text(folder / f"seed-{i}.pdf", f"{title} học liệu số {i}")
        blob = uploads.file_store().save_stream(io.BytesIO(path.read_bytes()), 50 * 1024 * 1024)
        path.unlink()
        data = {"title": title, "subject": subject, "grade": str(6 + i % 3), "kind": KINDS[i % 3],
                "license": "cc_by", "series": SERIES[i % 4], "uploader_is_author": "1",
                "rights_confirmed": "1", "description": f"<p>Học liệu số {i + 1} cho học sinh.</p>"}
        material = services.create_material(users[owner], data, files_services.Upload(blob, f"hoc-lieu-{i}.pdf"))
        db.session.commit()
        reviewer = users["reviewer.toan" if subject == "toan" else "reviewer.khtn"]
        if state != "draft":
            review.submit(material, users[owner])
        if state in ("in_review", "approved"):
            review.claim(material, reviewer)
        if state == "approved":
            review.decide(material, reviewer, "approve", "Đạt yêu cầu.", scores)
        db.session.commit()

    owners = ["gv.toan", "gv.toan2", "gv.van"]
    for i in range(APPROVED):
        make(i, owners[i % 3], "khtn" if i % 4 == 3 else "toan", "approved")
    # What waits for reviewer.toan (30 items), what they hold (5), and gv.toan's drafts (5).
    for i in range(APPROVED, APPROVED + 30):
        make(i, owners[1 + i % 2], "toan", "submitted")
    for i in range(APPROVED + 30, APPROVED + 35):
        make(i, "gv.toan2", "toan", "in_review")
    for i in range(APPROVED + 35, APPROVED + 40):
        make(i, "gv.toan", "toan", "draft")
"""

ASSIGNMENTS = """
# Issue 11's homework load: 200 assignments in THCS01 (gv.toan in 6A1 and 6A2, gv.van and gv.khtn
# in 6A1), a third each quiz, submission and material to read, due from 40 days ago to 20 days
# ahead, with the work of two students in three of 6A1 (quiz attempts submitted, texts handed in,
# materials opened), all through the services at times around their due time.
import sys
from datetime import timedelta

from lms import create_app
from lms.accounts.models import User
from lms.assignments import attempts, services, submissions
from lms.assignments.models import AttemptQuestion
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.materials.models import Material
from lms.questions import types
from lms.questions.models import Question
from lms.schools.models import Classroom, Enrollment, School

COUNT = int(sys.argv[1])
app = create_app()
with app.app_context():
    now = utcnow().replace(microsecond=0)
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    rooms = {c.name: c for c in db.session.scalars(
        db.select(Classroom).join(School, School.id == Classroom.school_id).where(School.code == "THCS01"))}
    pupils = db.session.scalars(db.select(User).join(Enrollment, Enrollment.student_id == User.id)
                                .where(Enrollment.classroom_id == rooms["6A1"].id).order_by(User.username)).all()
    questions = db.session.scalars(db.select(Question.id).where(
        Question.owner_id == users["gv.toan"].id, Question.state == "approved",
        Question.qtype != "essay").order_by(Question.id).limit(5)).all()
    materials = db.session.scalars(db.select(Material.id).where(Material.state == "approved")
                                   .order_by(Material.id).limit(50)).all()
    teachers = [("gv.toan", ["6A1"]), ("gv.toan", ["6A1", "6A2"]), ("gv.van", ["6A1"]), ("gv.khtn", ["6A1"])]
    for i in range(COUNT):
        kind = ("quiz", "submission", "material")[i % 3]
        teacher, classes = teachers[i % 4]
        if kind == "quiz":
            teacher = "gv.toan"
        due = now + timedelta(days=-40 + (60 * i) // COUNT, hours=i % 9)
        data = {"title": f"Bài {i + 1}: {('Luyện tập', 'Bài viết', 'Đọc trước')[i % 3]} tuần {i // 10 + 1}",
                "kind": kind, "class_ids": [rooms[c].id for c in classes],
                "instructions": "<p>Các em làm bài và nộp đúng hạn.</p>",
                "open_at": (due - timedelta(days=5)).isoformat(), "due_at": due.isoformat(),
                "cutoff_at": (due + timedelta(days=2)).isoformat() if i % 2 else None}
        if kind == "quiz":
            data["question_ids"] = questions
        elif kind == "material":
            data["material_id"] = materials[i % len(materials)]
        assignment = services.create_assignment(users[teacher], data)
        db.session.flush()
        at = min(now, due - timedelta(hours=3))
        for n, student in enumerate(pupils):
            if (i + n) % 3 == 0 or at < due - timedelta(days=5):
                continue
            when = at + timedelta(minutes=n)
            if kind == "quiz":
                attempt, _created = attempts.start(assignment, student, now=when)
                items = db.session.scalars(db.select(AttemptQuestion).where(
                    AttemptQuestion.attempt_id == attempt.id)).all()
                answers = {item.assignment_question.question_id: types.get(
                    item.assignment_question.question.qtype).correct_answer(item.assignment_question.version.data)
                    for item in items[: 3 + n % 3]}
                attempts.save_answers(attempt, student, answers, now=when + timedelta(minutes=3))
                attempts.submit(attempt, student, now=when + timedelta(minutes=8))
            elif kind == "submission":
                submissions.submit_work(assignment, student, f"Bài làm của em, lần {n}.", now=when)
            else:
                services.record_view(assignment, student, now=when)
                services.record_view(assignment, student, seconds=60 + 7 * n, now=when + timedelta(minutes=4))
        db.session.commit()
"""

HELLO = """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
"""


# --- processes -------------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.getheaders(), data


def wait_until_up(port, path="/", deadline=60):
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        try:
            request(port, "GET", path)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


class Gunicorn:
    """gunicorn with the same settings for the bare app and the application."""

    def __init__(self, app, cwd, env, workers):
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "60", app],
            cwd=cwd, env=env, start_new_session=True)

    def __enter__(self):
        wait_until_up(self.port)
        return self

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


# --- signing in ------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _cookies(headers, jar):
    for name, value in headers:
        if name.lower() == "set-cookie":
            cookie = SimpleCookie()
            cookie.load(value)
            for key, morsel in cookie.items():
                jar[key] = morsel.value
    return jar


def _cookie_header(jar):
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def session_cookie(port, username):
    """Sign in through the real login form; the Cookie header of the signed-in browser."""
    status, headers, body = request(port, "GET", "/login")
    jar = _cookies(headers, {})
    token = CSRF_RE.search(body.decode()).group(1)
    from urllib.parse import urlencode

    form = urlencode({"username": username, "password": PASSWORD, "csrf_token": token})
    status, headers, body = request(port, "POST", "/login", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(jar)})
    if status != 302:
        raise SystemExit(f"login of {username} failed: {status} {body[:300]!r}")
    return _cookie_header(_cookies(headers, jar))


def bearer_token(port, username):
    status, _headers, body = request(port, "POST", "/api/v1/auth/token",
                                     json.dumps({"username": username, "password": PASSWORD}),
                                     {"Content-Type": "application/json"})
    if status != 200:
        raise SystemExit(f"token for {username} failed: {status} {body[:300]!r}")
    return json.loads(body)["token"]


# --- load ------------------------------------------------------------------------------------

def lua_script(requests):
    """A wrk script that sends `requests` [(method, path, headers, body)] in turn."""
    def lua(value):
        return json.dumps(value)  # ASCII only here: a JSON string is a Lua string

    rows = []
    for method, path, headers, body in requests:
        pairs = ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in headers.items())
        rows.append(f"  {{{lua(method)}, {lua(path)}, {{{pairs}}}, {lua(body) if body else 'nil'}}},")
    return textwrap.dedent("""\
        local items = {
        %s
        }
        local counter = 0
        function setup(thread)
          thread:set("offset", math.random(#items))
        end
        function init(args)
          counter = tonumber(offset) or 0
        end
        function request()
          counter = counter %% #items + 1
          local item = items[counter]
          return wrk.format(item[1], item[2], item[3], item[4])
        end
        """) % "\n".join(rows)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)$", text).groups()
    return float(number) * UNITS[unit]


def run_wrk(port, requests, connections, duration, folder):
    script = folder / "case.lua"
    script.write_text(lua_script(requests))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failures = (int(bad.group(1)) if bad else 0) + (sum(int(n) for n in errors.groups()) if errors else 0)
    return rps, p50, p99, failures


def _python_worker(args):
    port, requests, threads, duration, index = args
    import threading

    latencies, failures, stop = [], [0], time.monotonic() + duration

    def loop(offset):
        n = offset
        while time.monotonic() < stop:
            method, path, headers, body = requests[n % len(requests)]
            n += 1
            start = time.perf_counter()
            try:
                status, _h, _b = request(port, method, path, body, headers)
            except OSError:
                failures[0] += 1
                continue
            latencies.append((time.perf_counter() - start) * 1000)
            if status >= 400:
                failures[0] += 1

    pool = [threading.Thread(target=loop, args=(index * 997 + t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, failures[0]


def run_python(port, requests, connections, duration, _folder):
    """The stand-in for wrk: 2 processes of threads, one connection per request (as gunicorn's
    sync workers answer anyway)."""
    from multiprocessing import Pool

    processes = 2
    with Pool(processes) as pool:
        results = pool.map(_python_worker, [(port, requests, connections // processes, duration, i)
                                            for i in range(processes)])
    latencies = sorted(x for lat, _f in results for x in lat)
    failures = sum(f for _l, f in results)
    if not latencies:
        return 0.0, 0.0, 0.0, failures
    return (len(latencies) / duration, latencies[len(latencies) // 2],
            latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], failures)


# --- the run ---------------------------------------------------------------------------------

def check(port, requests, name):
    """Every request of a case answers 200 before it is measured (a redirect to the login page
    would otherwise be fast and wrong)."""
    for method, path, headers, body in requests[:5]:
        status, _h, data = request(port, method, path, body, headers)
        if status != 200:
            raise SystemExit(f"{name}: {method} {path} answered {status}: {data[:300]!r}")


def seed(env, folder, approved, assignments=200):
    started = time.monotonic()
    python = str(BIN / "python")
    subprocess.run([python, "-c", SCHEMA], cwd=ROOT, env=env, check=True)
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "lms", "seed-demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([python, "-c", MATERIALS, str(approved)], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "-c", ASSIGNMENTS, str(assignments)], cwd=ROOT, env=env, check=True)
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)


def material_ids(port, token, count):
    status, _h, body = request(port, "GET", f"/api/v1/materials?per_page={count}&sort=title",
                               headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body[:300]
    return [item["id"] for item in json.loads(body)["items"]]


def tracked_quiz(port, token):
    """The id of the demo quiz of 6A1 (30 students, most with attempts): issue 11's tracking case."""
    for number in range(1, 50):
        status, _h, body = request(port, "GET", f"/api/v1/assignments?per_page=50&page={number}",
                                   headers={"Authorization": f"Bearer {token}"})
        assert status == 200, body[:300]
        items = json.loads(body)["items"]
        found = [a["id"] for a in items if a["title"].startswith("Kiểm tra 15 phút")]
        if found or not items:
            break
    assert found, "the demo quiz of 6A1 is missing"
    return found[0]


def cases(port):
    tokens = [bearer_token(port, s) for s in STUDENTS]
    cookies = [session_cookie(port, s) for s in STUDENTS]
    teacher_token, teacher_cookie = bearer_token(port, "gv.toan"), session_cookie(port, "gv.toan")
    reviewer_token, reviewer_cookie = bearer_token(port, "reviewer.toan"), session_cookie(port, "reviewer.toan")
    ids = material_ids(port, tokens[0], 50)

    def api(path, token):
        return ("GET", path, {"Authorization": f"Bearer {token}"}, None)

    def page(path, cookie):
        return ("GET", path, {"Cookie": cookie}, None)

    token_body = [json.dumps({"username": s, "password": PASSWORD}) for s in STUDENTS]
    quiz = tracked_quiz(port, teacher_token)
    return {
        "api_library": ("list", [api("/api/v1/materials?per_page=20", t) for t in tokens]),
        # A student's library opens at their grade (/materials/ redirects there).
        "page_library": ("page", [page("/materials/?grade=6", c) for c in cookies]),
        "api_detail": ("detail", [api(f"/api/v1/materials/{m}", tokens[i % 30]) for i, m in enumerate(ids)]),
        "page_detail": ("page", [page(f"/materials/{m}", cookies[i % 30]) for i, m in enumerate(ids)]),
        "api_mine": ("list", [api("/api/v1/materials?mine=1&per_page=20", teacher_token)]),
        "page_mine": ("page", [page("/materials/mine", teacher_cookie)]),
        "api_queue": ("list", [api("/api/v1/reviews/queue", reviewer_token)]),
        "page_queue": ("page", [page("/reviews/queue", reviewer_cookie)]),
        # Issue 11: a student's to-do (of 200-odd assignments) and the tracking of a 30-student quiz.
        "api_todo": ("list", [api("/api/v1/assignments", t) for t in tokens]),
        "page_todo": ("page", [page("/assignments/", c) for c in cookies]),
        "api_tracking": ("list", [api(f"/api/v1/assignments/{quiz}/tracking", teacher_token)]),
        "page_tracking": ("page", [page(f"/assignments/{quiz}/tracking", teacher_cookie)]),
        "api_token": ("token", [("POST", "/api/v1/auth/token", {"Content-Type": "application/json"}, b)
                                for b in token_body]),
    }


# Cases answered from a cache kept per user (or per assignment) in each gunicorn worker: a short
# unmeasured run first, so that the figures are a warm server's (30 users x 4 workers to fill).
PER_USER = {"api_todo", "page_todo", "api_tracking", "page_tracking"}
GOALS = {"list": 25.0, "detail": 25.0, "page": 15.0, "token": None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="postgresql://... (its tables are dropped); default SQLite")
    parser.add_argument("--duration", type=int, default=10, help="seconds per case and concurrency")
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--materials", type=int, default=200, help="approved materials to seed")
    parser.add_argument("--assignments", type=int, default=200, help="assignments to seed (issue 11)")
    parser.add_argument("--only", help="comma-separated case names")
    args = parser.parse_args()
    concurrency = [int(c) for c in args.connections.split(",")]
    load = run_wrk if shutil.which("wrk") else run_python
    if load is run_python:
        print("wrk not found (Debian: apt-get install -y wrk); using the slower Python load generator",
              flush=True)

    with tempfile.TemporaryDirectory(prefix="pages-bench-") as folder:
        folder = Path(folder)
        env = {**os.environ, "LMS_INSTANCE_PATH": str(folder / "instance"),
               "LMS_SECRET_KEY": os.urandom(24).hex(), "LMS_HUEY_IMMEDIATE": "true"}
        env.pop("DATABASE_URL", None)
        if args.database:
            env["DATABASE_URL"] = args.database
        seed(env, folder, args.materials, args.assignments)
        env.pop("LMS_HUEY_IMMEDIATE")
        (folder / "hello.py").write_text(HELLO)

        # Both servers run side by side, the bare app idle while the application is loaded and
        # the other way round. Each case is measured right after a run of the bare app at the
        # same concurrency, and its ratio is to that run: on a shared machine the load of
        # others drifts during a run, and a baseline taken minutes earlier would not hold.
        results = []
        bare_requests = [("GET", "/", {}, None)]
        bare_seconds = max(3, args.duration // 2)
        with Gunicorn("hello:app", folder, env, args.workers) as bare, \
                Gunicorn("wsgi:app", ROOT, env, args.workers) as server:
            chosen = cases(server.port)
            wanted = args.only.split(",") if args.only else list(chosen)
            for name in wanted:
                kind, requests = chosen[name]
                check(server.port, requests, name)
                if name in PER_USER:  # each worker's first answer to each user is computed: not measured
                    load(server.port, requests, max(concurrency), 3, folder)
                for conns in concurrency:
                    baseline = load(bare.port, bare_requests, conns, bare_seconds, folder)
                    measured = load(server.port, requests, conns, args.duration, folder)
                    results.append((name, kind, conns, *measured, baseline[0]))
                    print(f"{name} at {conns}: {measured[0]:.0f} req/s, bare {baseline[0]:.0f}", flush=True)

    database = "PostgreSQL" if args.database else "SQLite"
    print(f"\n{database}, gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs, "
          f"{'wrk -t2' if load is run_wrk else 'Python load'}, {args.duration} s per case "
          f"(bare Flask {bare_seconds} s just before each)")
    print(f"{'case':<14}{'conns':>6}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'bare/s':>8}{'% bare':>8}"
          f"{'errors':>7}  goal")
    failed = False
    for name, kind, conns, rps, p50, p99, failures, bare_rps in results:
        ratio = 100 * rps / bare_rps if bare_rps else 0.0
        goal = GOALS.get(kind)
        verdict = ""
        if goal is not None:
            ok = ratio >= goal and (conns < 64 or p99 < 250)
            verdict = f"{'ok' if ok else 'MISSED'} (>= {goal:.0f}%{', p99 < 250 ms' if conns >= 64 else ''})"
        print(f"{name:<14}{conns:>6}{rps:>8.0f}{p50:>9.1f}{p99:>9.1f}{bare_rps:>8.0f}{ratio:>7.1f}%{failures:>7}"
              f"  {verdict}")
        failed = failed or failures > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
