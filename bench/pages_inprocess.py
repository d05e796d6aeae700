"""What one request of each daily page and endpoint costs inside the process: milliseconds (the best
of --batches batches of --requests requests, Flask's test client, no server, no network), the
process's CPU milliseconds (the best batch again: on a shared machine the steadier figure, since
others' work adds to the wall clock but not to it; it leaves out the database server's own time
with PostgreSQL), SQL statements and, on PostgreSQL, round trips to the server (statements, the
pool's ping, BEGIN, COMMIT, ROLLBACK: each a wait for the server), beside a bare route (/healthz) of the same application. The server's figures
(pages_bench.py) add gunicorn and the network to these; this one says where the time goes.

    .venv/bin/python bench/pages_inprocess.py --instance /tmp/pages-instance        # seeds it once
    .venv/bin/python bench/pages_inprocess.py --instance /tmp/pages-instance --only page_queue

The instance folder is seeded as pages_bench.py seeds its own (the demo district, 200 approved
materials, 30 waiting for reviewer.toan, 5 held, 5 drafts, and --assignments assignments with
6A1's work for the to-do) the first time, and kept: later runs
measure the same data (delete the folder to start again). `--database` (PostgreSQL) drops every
table of that database when seeding: give it one of its own, and the same one on later runs.
Warm answers: each case is asked once before it is timed (what the per-process caches keep is
kept). `--profile FILE` writes a cProfile of the timed requests (read it with
`python -m pstats FILE`). Not a test; never run in CI.
"""

import argparse
import contextlib
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CASES = {  # name: (who, path); who is a username for a session, "token:<username>" for a bearer token
    "healthz": (None, "/healthz"),
    "api_library": ("token:hs.6a1.01", "/api/v1/materials?per_page=20"),
    "page_library": ("hs.6a1.01", "/materials/?grade=6"),
    "api_mine": ("token:gv.toan", "/api/v1/materials?mine=1&per_page=20"),
    "page_mine": ("gv.toan", "/materials/mine"),
    "api_queue": ("token:reviewer.toan", "/api/v1/reviews/queue"),
    "page_queue": ("reviewer.toan", "/reviews/queue"),
    "page_notifications": ("gv.toan", "/reviews/notifications"),
    "api_todo": ("token:hs.6a1.01", "/api/v1/assignments"),
    "page_todo": ("hs.6a1.01", "/assignments/"),
    "api_tracking": ("token:gv.toan", "/api/v1/assignments/{quiz}/tracking"),
    "page_tracking": ("gv.toan", "/assignments/{quiz}/tracking"),
}


class RoundTrips:
    """Every command psycopg sends to PostgreSQL and waits for: its statements (the cursor's
    execute, the pool's ping among them) and its own commands (BEGIN, COMMIT, ROLLBACK), each a
    round trip to the server. SQLite has none (its commands are function calls)."""

    def __init__(self):
        self.sent = []
        self.on = False

    def install(self):
        import psycopg
        from psycopg._connection_base import BaseConnection

        exec_command, execute = BaseConnection._exec_command, psycopg.Cursor.execute
        trips = self

        def counted_command(connection, command, *args, **kwargs):
            if trips.on:
                trips.sent.append(bytes(command).decode() if isinstance(command, bytes) else str(command))
            return exec_command(connection, command, *args, **kwargs)

        def counted_execute(cursor, query, *args, **kwargs):
            if trips.on:
                trips.sent.append(" ".join(str(query).split())[:40])
            return execute(cursor, query, *args, **kwargs)

        BaseConnection._exec_command, psycopg.Cursor.execute = counted_command, counted_execute

    @contextlib.contextmanager
    def recording(self):
        self.sent, self.on = [], True
        try:
            yield self.sent
        finally:
            self.on = False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", required=True, help="a folder, seeded on first use and kept")
    parser.add_argument("--database", help="postgresql://... (its tables are dropped when seeding)")
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--requests", type=int, default=20, help="requests per batch")
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--assignments", type=int, default=200,
                        help="assignments to seed (issue 11's to-do), on first use only")
    parser.add_argument("--cold", action="store_true",
                        help="keep nothing (CACHE_SECONDS = 0): what a computed answer costs")
    parser.add_argument("--cold-tokens", action="store_true",
                        help="forget the bearer tokens' kept look-ups before every request "
                             "(accounts/token_cache.py): a token's first request, look-up and keeping")
    parser.add_argument("--profile", metavar="FILE",
                        help="also write a cProfile of the timed batches (pstats format) to FILE")
    parser.add_argument("--trips", action="store_true",
                        help="PostgreSQL: also list each case's round trips (statements, BEGIN, ROLLBACK...)")
    args = parser.parse_args()
    folder = Path(args.instance).resolve()
    env = {"LMS_INSTANCE_PATH": str(folder / "instance"), "LMS_SECRET_KEY": "pages-inprocess-bench"}
    if args.database:
        env["DATABASE_URL"] = args.database
    os.environ.update(env)
    if not args.database:
        os.environ.pop("DATABASE_URL", None)
    if not (folder / "seeded").exists():
        import pages_bench

        folder.mkdir(parents=True, exist_ok=True)
        pages_bench.seed({**os.environ, "LMS_HUEY_IMMEDIATE": "true"}, folder, 200, args.assignments)
        (folder / "seeded").write_text("yes\n")

    from lms import create_app
    from lms.extensions import db
    from tests.query_budget import count_queries

    app = create_app()
    trips = RoundTrips()
    if args.database:
        trips.install()
    with app.app_context():
        from lms.assignments.models import Assignment

        quiz = db.session.scalar(db.select(Assignment.id).where(Assignment.title.startswith("Kiểm tra 15 phút"))
                                 .order_by(Assignment.id))
        engine = db.engine
    if args.cold:
        app.config["CACHE_SECONDS"] = 0
    if args.cold_tokens:
        from lms.accounts import token_cache

        app.before_request(lambda: token_cache.cache().forget_here())
    clients = {}

    def client_for(who):
        if who not in clients:
            client, headers = app.test_client(), {}
            if who and who.startswith("token:"):
                answer = client.post("/api/v1/auth/token", json={"username": who[6:], "password": "hoclieu-demo"})
                headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
            elif who:
                form = client.get("/login").get_data(as_text=True)
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
                answer = client.post("/login", data={"username": who, "password": "hoclieu-demo", "csrf_token": token})
                assert answer.status_code == 302, f"{who} could not sign in"
            clients[who] = (client, headers)
        return clients[who]

    wanted = args.only.split(",") if args.only else list(CASES)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    database = "PostgreSQL" if args.database else "SQLite"
    print(f"{database}{', cold (nothing kept)' if args.cold else ''}{', tokens looked up every time' if args.cold_tokens else ''}, best of {args.batches} batches of {args.requests}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'case':<20}{'queries':>8}{'trips':>6}{'ms':>8}{'cpu ms':>8}{'bytes':>8}")
    shown = []
    for name in wanted:
        who, path = CASES[name]
        path = path.format(quiz=quiz)
        client, headers = client_for(who)
        answer = client.get(path, headers=headers)
        if answer.status_code != 200:
            print(f"{name:<20} answered {answer.status_code}")
            continue
        with count_queries(engine) as counted, trips.recording() as sent:  # the request's own app context
            client.get(path, headers=headers)
        if args.trips:
            shown.append(f"{name}: {' | '.join(sent)}")
        best = best_cpu = float("inf")
        for _batch in range(args.batches):
            if profiler is not None:
                profiler.enable()
            started, started_cpu = time.perf_counter(), time.process_time()
            for _request in range(args.requests):
                client.get(path, headers=headers)
            best = min(best, (time.perf_counter() - started) / args.requests * 1000)
            best_cpu = min(best_cpu, (time.process_time() - started_cpu) / args.requests * 1000)
            if profiler is not None:
                profiler.disable()
        print(f"{name:<20}{len(counted):>8}{len(sent) if args.database else '-':>6}{best:>8.2f}{best_cpu:>8.2f}{len(answer.get_data()):>8}", flush=True)
    for line in shown:
        print(line)
    if profiler is not None:
        profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
