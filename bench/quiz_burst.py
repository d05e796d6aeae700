"""A class-wide quiz burst (issue 11): 1,000 students each start a 20-question quiz, save their
answers one by one and submit, all within 60 seconds, against the application under gunicorn;
beside it, the requests/s of a bare Flask "hello" app under the same gunicorn settings in the
same run.

    .venv/bin/python bench/quiz_burst.py [--database postgresql://127.0.0.1:5432/bench_qb]
                                         [--students 1000] [--window 60] [--workers 4]

Method (bench/README.md says more):
- the machinery of bench/pages_bench.py, imported: a temporary instance folder, the schema
  (create_all; with `--database` ALL ITS TABLES ARE DROPPED: give it a database of its own), the
  demo district (`flask lms seed-demo`), gunicorn with 4 sync workers for the application and
  for the bare app, wrk (or the Python load generator) for the bare app;
- then, through the services: 1,000 students in 25 classes of 40 that gv.toan teaches (one
  precomputed password hash for all, so no scrypt per student), an API token for each (issued
  directly, not through the sign-in endpoint), 20 approved questions (single_choice, true_false,
  numerical) and a quiz assignment of them (assignments.services.create_assignment);
- the burst: each student sends 22 requests, `POST /api/v1/assignments/{id}/attempts`, 20 x
  `PUT /api/v1/attempts/{id}/answers` (one question each) and `POST /api/v1/attempts/{id}/submit`,
  one every window/22 seconds (2.7 s), the students' starts spread evenly over the first gap, so
  the load is flat (about 367 requests/s for 1,000 students) over the window. A request waits
  for its student's previous one (a student does not answer two questions at once). The
  requests go from an asyncio loop through a pool of threads, one connection per request
  (gunicorn's sync workers close it anyway), written and read on a plain socket (`--client
  http.client`: as the first runs did, about a quarter more client CPU per request on the CPUs
  the server shares); latency is the request's own time, connect to last byte;
- afterwards every answer sent is compared with what the database holds.

Prints: answers lost (goal 0), errors (non-2xx or no answer; goal 0), p50/p95 of the answer
save (goal p95 < 300 ms), the burst's duration (goal <= the window) and the bare app's
requests/s (wrk at 64 connections, before and after the burst). Not a test, never run in CI;
exits 1 when an answer is lost or a request fails.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages_bench import (  # noqa: E402  (bench/ is not a package)
    BIN,
    HELLO,
    ROOT,
    SCHEMA,
    Gunicorn,
    request,
    run_python,
    run_wrk,
)

QUESTIONS = 20

SETUP = """
import json
import sys
from datetime import timedelta

from werkzeug.security import generate_password_hash

from lms import create_app
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.assignments import services as assignments
from lms.core.timeutil import iso, utcnow
from lms.extensions import db
from lms.questions import services as questions
from lms.review import services as review
from lms.schools import services as schools
from lms.schools.demo import student_name
from lms.schools.models import School
from lms.schools.permissions import SYSTEM

STUDENTS, QUESTIONS, OUT = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
PER_CLASS = 40

app = create_app()
with app.app_context():
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    teacher, reviewer = users["gv.toan"], users["reviewer.toan"]
    school = db.session.scalar(db.select(School).where(School.code == "THCS01"))
    toan = schools.subject_by_code("toan")
    year = schools.current_school_year()
    # One scrypt hash for every student: signing in is not what this bench measures.
    password_hash = generate_password_hash("hoclieu-bench")
    rooms, tokens = [], []
    for n in range(STUDENTS):
        if n % PER_CLASS == 0:
            room = schools.create_classroom(SYSTEM, school, f"6Q{n // PER_CLASS + 1:02d}", year)
            schools.assign_teaching(SYSTEM, teacher, room, toan)
            rooms.append(room)
        student = accounts.create_user(f"qb.{n + 1:04d}", student_name(1000 + n), "student", "hoclieu-bench",
                                       school=school, password_hash=password_hash)
        schools.enroll(SYSTEM, student, rooms[-1])
        tokens.append(accounts.issue_token(student))
    db.session.commit()

    scores = {c.code: (None if c.code == "accessibility" else 3) for c in review.criteria()}
    made = []
    for i in range(QUESTIONS):
        kind = ("single_choice", "true_false", "numerical")[i % 3]
        if kind == "single_choice":
            data = {"options": [{"id": k, "text": f"{i + 1}{k}"} for k in "abcd"], "correct": "abcd"[i % 4]}
        elif kind == "true_false":
            data = {"correct": i % 2 == 0}
        else:
            data = {"answers": [{"value": i + 1, "tolerance": 0, "weight": 100}]}
        question = questions.create_question(teacher, {
            "subject": "toan", "grade": "6", "level": "nhan_biet", "qtype": kind,
            "stem": f"Câu {i + 1} của bài kiểm tra nhanh", "data": data, "explanation": "", "tags": ["bench"]})
        review.submit(question, teacher)
        review.claim(question, reviewer)
        review.decide(question, reviewer, "approve", "Đạt yêu cầu.", scores)
        made.append({"id": question.id, "qtype": kind, "options": [o["id"] for o in data.get("options", [])]})
    db.session.commit()
    assignment = assignments.create_assignment(teacher, {
        "title": "Kiểm tra nhanh 20 câu", "kind": "quiz", "subject": "toan", "class_ids": [r.id for r in rooms],
        "due_at": iso(utcnow() + timedelta(days=1)), "question_ids": [q["id"] for q in made], "max_attempts": 1})
    db.session.commit()
    with open(OUT, "w") as out:
        json.dump({"assignment": assignment.id, "questions": made, "tokens": tokens}, out)
"""

HELD = """
import json
import sys

from lms import create_app
from lms.assignments.models import AssignmentQuestion, Attempt, AttemptQuestion
from lms.extensions import db

app = create_app()
with app.app_context():
    rows = db.session.execute(
        db.select(Attempt.id, Attempt.state, AssignmentQuestion.question_id, AttemptQuestion.answer)
        .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
        .join(AssignmentQuestion, AssignmentQuestion.id == AttemptQuestion.assignment_question_id)
        .where(Attempt.assignment_id == int(sys.argv[1]))).all()
    held = {}
    for attempt_id, state, question_id, answer in rows:
        entry = held.setdefault(str(attempt_id), {"state": state, "answers": {}})
        entry["answers"][str(question_id)] = answer
    with open(sys.argv[2], "w") as out:
        json.dump(held, out)
"""


def seed(env, students, out):
    started = time.monotonic()
    python = str(BIN / "python")
    subprocess.run([python, "-c", SCHEMA], cwd=ROOT, env=env, check=True)
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "lms", "seed-demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([python, "-c", SETUP, str(students), str(QUESTIONS), str(out)], cwd=ROOT, env=env, check=True)
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
    return json.loads(Path(out).read_text())


def answer_for(question, rng):
    if question["qtype"] == "single_choice":
        return rng.choice(question["options"])
    if question["qtype"] == "true_false":
        return rng.random() < 0.5
    return rng.randint(0, 25)


def same(sent, held):
    if isinstance(sent, bool) or isinstance(held, bool):
        return sent is held
    if isinstance(sent, (int, float)) and isinstance(held, (int, float)):
        return float(sent) == float(held)
    return sent == held


def request_socket(port, method, path, body=None, headers=None, timeout=60):
    """One HTTP/1.1 request on its own connection (`Connection: close`, as gunicorn's sync workers
    answer anyway), written and read on a plain socket: (status, headers, body). What http.client
    adds (its response object, header parsing, buffered reads) cost the shared CPUs about a
    quarter more per request."""
    payload = body.encode() if body else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
             f"Content-Length: {len(payload)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
        chunks = []
        while True:  # to the end: the server closes the connection
            got = sock.recv(65536)
            if not got:
                break
            chunks.append(got)
    head, _sep, data = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines if ":" in line]
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in found):
        pieces, rest = [], data
        while rest:
            size_line, _sep, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            pieces.append(rest[:size])
            rest = rest[size + 2:]
        data = b"".join(pieces)
    return int(status_line.split()[1]), found, data


class Burst:
    def __init__(self, port, seeded, window, threads, client="socket"):
        self.port, self.seeded, self.window = port, seeded, window
        self.send = request_socket if client == "socket" else request
        self.pool = ThreadPoolExecutor(max_workers=threads)
        self.latencies = {"start": [], "answer": [], "submit": []}
        self.errors = {"start": 0, "answer": 0, "submit": 0}
        self.samples = []  # a few failures, to say what they were
        self.sent = {}  # attempt id -> {question id: answer}
        self.not_sent = 0

    def _call(self, method, path, token, body):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            status, _h, data = self.send(self.port, method, path, json.dumps(body) if body is not None else None,
                                         headers)
        except (OSError, ValueError, IndexError) as error:  # refused, reset, timed out; a cut answer
            return None, repr(error), (time.perf_counter() - started) * 1000
        return status, data, (time.perf_counter() - started) * 1000

    async def call(self, kind, method, path, token, body=None):
        loop = asyncio.get_running_loop()
        status, data, ms = await loop.run_in_executor(self.pool, self._call, method, path, token, body)
        self.latencies[kind].append(ms)
        if status is None or not 200 <= status < 300:
            self.errors[kind] += 1
            if len(self.samples) < 5:
                self.samples.append(f"{method} {path}: {status} {str(data)[:200]}")
            return None
        return json.loads(data)

    async def student(self, index, token, t0, gap):
        rng = random.Random(index)
        questions = self.seeded["questions"]
        steps = len(questions) + 2

        async def at(step):
            delay = t0 + index * gap / len(self.seeded["tokens"]) + step * gap - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

        await at(0)
        attempt = await self.call("start", "POST", f"/api/v1/assignments/{self.seeded['assignment']}/attempts", token)
        if attempt is None:
            self.not_sent += steps - 1
            return
        sent = self.sent.setdefault(str(attempt["id"]), {})
        for step, question in enumerate(questions, start=1):
            await at(step)
            value = answer_for(question, rng)
            sent[str(question["id"])] = value
            await self.call("answer", "PUT", f"/api/v1/attempts/{attempt['id']}/answers", token,
                            {"answers": {str(question["id"]): value}})
        await at(steps - 1)
        await self.call("submit", "POST", f"/api/v1/attempts/{attempt['id']}/submit", token)

    async def run(self):
        tokens = self.seeded["tokens"]
        gap = self.window / (len(self.seeded["questions"]) + 2)
        t0 = time.monotonic() + 0.5
        await asyncio.gather(*(self.student(i, token, t0, gap) for i, token in enumerate(tokens)))
        return time.monotonic() - t0


def workers_cpu(master_pid):
    """CPU seconds (user + system) the gunicorn master's worker processes have used so far (Linux
    /proc): read before and after the burst, the server's own CPU per request, which a shared
    machine's load changes far less than the latencies."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # ppid; then utime, stime at 14 and 15 of the whole line
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * fraction))] if values else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="postgresql://... (its tables are dropped); default SQLite")
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds the burst is spread over")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=256, help="client threads (requests in flight at most)")
    parser.add_argument("--client", choices=("socket", "http.client"), default="socket",
                        help="how a thread sends a request: a plain socket (default) or http.client (the first "
                             "runs'; about a quarter more client CPU per request)")
    parser.add_argument("--bare-seconds", type=int, default=10)
    args = parser.parse_args()
    load = run_wrk if shutil.which("wrk") else run_python
    if load is run_python:
        print("wrk not found (Debian: apt-get install -y wrk); the bare app is loaded from Python", flush=True)

    with tempfile.TemporaryDirectory(prefix="quiz-burst-") as folder:
        folder = Path(folder)
        env = {**os.environ, "LMS_INSTANCE_PATH": str(folder / "instance"),
               "LMS_SECRET_KEY": os.urandom(24).hex(), "LMS_HUEY_IMMEDIATE": "true"}
        env.pop("DATABASE_URL", None)
        if args.database:
            env["DATABASE_URL"] = args.database
        seeded = seed(env, args.students, folder / "seeded.json")
        env.pop("LMS_HUEY_IMMEDIATE")
        (folder / "hello.py").write_text(HELLO)
        bare_requests = [("GET", "/", {}, None)]

        with Gunicorn("hello:app", folder, env, args.workers) as bare, \
                Gunicorn("wsgi:app", ROOT, env, args.workers) as server:
            load_before = os.getloadavg()
            bare_before = load(bare.port, bare_requests, 64, args.bare_seconds, folder)
            print(f"bare Flask before: {bare_before[0]:.0f} req/s", flush=True)
            client_cpu, server_cpu = time.process_time(), workers_cpu(server.process.pid)
            burst = Burst(server.port, seeded, args.window, args.threads, args.client)
            duration = asyncio.run(burst.run())
            client_cpu = time.process_time() - client_cpu
            server_cpu = workers_cpu(server.process.pid) - server_cpu
            load_after = os.getloadavg()
            bare_after = load(bare.port, bare_requests, 64, args.bare_seconds, folder)
            print(f"bare Flask after: {bare_after[0]:.0f} req/s", flush=True)

        subprocess.run([str(BIN / "python"), "-c", HELD, str(seeded["assignment"]), str(folder / "held.json")],
                       cwd=ROOT, env=env, check=True)
        held = json.loads((folder / "held.json").read_text())

    sent_total = sum(len(answers) for answers in burst.sent.values())
    lost = sum(1 for attempt_id, answers in burst.sent.items() for question_id, value in answers.items()
               if not same(value, held.get(attempt_id, {}).get("answers", {}).get(question_id)))
    submitted = sum(1 for entry in held.values() if entry["state"] == "submitted")
    errors = sum(burst.errors.values())
    requests_total = sum(len(v) for v in burst.latencies.values())
    answer = burst.latencies["answer"]
    p50, p95 = percentile(answer, 0.50), percentile(answer, 0.95)

    database = "PostgreSQL" if args.database else "SQLite"
    print(f"\n{database}, gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs, {args.students} students x "
          f"{QUESTIONS} questions, window {args.window:.0f} s, {args.threads} client threads ({args.client})")
    print(f"load average at start {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after the burst {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(f"burst: {requests_total} requests in {duration:.1f} s ({requests_total / duration:.0f} req/s), "
          f"goal <= {args.window:.0f} s: {'ok' if duration <= args.window + 1 else 'MISSED'}")
    print(f"answers lost: {lost} of {sent_total} sent ({len(held)} attempts, {submitted} submitted)  "
          f"goal 0: {'ok' if lost == 0 else 'MISSED'}")
    print(f"errors: {errors} (start {burst.errors['start']}, answer {burst.errors['answer']}, "
          f"submit {burst.errors['submit']}; {burst.not_sent} requests not sent)  "
          f"goal 0: {'ok' if errors == 0 else 'MISSED'}")
    print(f"answer save: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {percentile(answer, 0.99):.1f} ms, "
          f"max {max(answer, default=0):.1f} ms over {len(answer)}  goal p95 < 300 ms: "
          f"{'ok' if p95 < 300 else 'MISSED'}")
    print(f"start: p50 {percentile(burst.latencies['start'], 0.5):.1f} ms, p95 "
          f"{percentile(burst.latencies['start'], 0.95):.1f} ms; submit: p50 "
          f"{percentile(burst.latencies['submit'], 0.5):.1f} ms, p95 {percentile(burst.latencies['submit'], 0.95):.1f} ms")
    print(f"CPU during the burst: server (gunicorn workers) {server_cpu:.1f} s, "
          f"{1000 * server_cpu / max(1, requests_total):.2f} ms per request; client {client_cpu:.1f} s, "
          f"{1000 * client_cpu / max(1, requests_total):.2f} ms per request")
    print(f"bare Flask (same gunicorn settings, {'wrk -t2' if load is run_wrk else 'Python load'} -c64, "
          f"{args.bare_seconds} s): {bare_before[0]:.0f} req/s before the burst, {bare_after[0]:.0f} after")
    for sample in burst.samples:
        print(f"  failure: {sample}")
    return 1 if lost or errors else 0


if __name__ == "__main__":
    sys.exit(main())
