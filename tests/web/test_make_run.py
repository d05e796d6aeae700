"""Issue 9, point 9: `make run` (bin/run) says what it does. It prints the address only once the
site answers, its own output is a few lines (the steps' output goes to log files), and two
checkouts run side by side on two ports: gunicorn's control socket is each one's own."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# `make run` serves the embedded default (SQLite in instance/) whatever database the suite is run
# against, so it is tested once: in the SQLite pass.
pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="make run uses SQLite; tested in the SQLite pass")

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


class Run:
    """bin/run in a subprocess with its own instance folder (database, logs, control socket)."""

    def __init__(self, instance, port):
        self.instance, self.port = instance, port
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
        env.update(LMS_INSTANCE_PATH=str(instance), LMS_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
                   PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen([sys.executable, str(ROOT / "bin" / "run"), "--port", str(port),
                                         "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines = []

    def wait_for(self, text, timeout=180):
        """Read lines until one contains `text`; return it (fail with the output otherwise)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if text in line:
                return line
        pytest.fail(f"bin/run never said {text!r}:\n" + "\n".join(self.lines))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.lines += [line.rstrip("\n") for line in self.process.stdout.readlines()]
        self.process.stdout.close()


def test_make_run_uses_bin_run():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile[makefile.index("\nrun:"):]
    run = run[:run.index("\n\n")]
    assert "bin/run" in run and "gunicorn" not in run


def test_two_checkouts_side_by_side_each_says_when_it_answers(tmp_path):
    first_port, second_port = free_port(), free_port()
    first = Run(tmp_path / "first", first_port)
    second = Run(tmp_path / "second", second_port)
    try:
        for run in (first, second):
            line = run.wait_for("ready on")
            url = f"http://127.0.0.1:{run.port}"
            assert url in line
            # Printed only once the gunicorn it started answers: /healthz answers at once.
            assert answers(f"{url}/healthz")
            run.wait_for("Ctrl+C")
            # Short: the steps' output (alembic, seeding, gunicorn, the worker) went to the logs.
            assert len(run.lines) <= 12, "\n".join(run.lines)
            assert not any("INFO" in line or "alembic" in line for line in run.lines), "\n".join(run.lines)
            for log in ("setup.log", "server.log", "worker.log"):
                # The worker starts beside gunicorn and may answer later than the site does (it
                # imports the whole app before it logs its start): give it time under load.
                deadline = time.monotonic() + 60
                while (run.instance / log).stat().st_size == 0 and time.monotonic() < deadline:
                    time.sleep(0.2)
                assert (run.instance / log).stat().st_size > 0, log
            assert "Control socket listening at " + str(run.instance / "gunicorn.ctl") in \
                (run.instance / "server.log").read_text(encoding="utf-8")
            assert (run.instance / "gunicorn.ctl").is_socket()

        # A third on a port already taken is refused at once, naming a free one.
        started = time.monotonic()
        taken = subprocess.run([sys.executable, str(ROOT / "bin" / "run"), "--port", str(first_port)],
                               cwd=ROOT, capture_output=True, text=True, timeout=60,
                               env={**os.environ, "LMS_INSTANCE_PATH": str(tmp_path / "third")})
        assert taken.returncode == 1 and time.monotonic() - started < 30
        assert f"port {first_port} is already in use" in taken.stdout and "PORT=" in taken.stdout
        assert answers(f"http://127.0.0.1:{first_port}/healthz")
    finally:
        first.stop()
        second.stop()
    for run in (first, second):
        assert run.process.returncode == 0, "\n".join(run.lines)
        assert not answers(f"http://127.0.0.1:{run.port}/healthz")
        assert not (run.instance / "gunicorn.ctl").exists()


def test_a_failing_step_shows_the_end_of_its_log(tmp_path):
    instance = tmp_path / "broken"
    instance.mkdir()
    (instance / "config.py").write_text("SECRET_KEY = 'x' * 40\nSQLALCHEMY_DATABASE_URI = 'sqlite:////nonexistent/dir/db'\n")
    done = subprocess.run([sys.executable, str(ROOT / "bin" / "run"), "--port", str(free_port())],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LMS_INSTANCE_PATH": str(instance)})
    assert done.returncode == 1
    assert "flask lms init) failed" in done.stdout and str(instance / "setup.log") in done.stdout
    assert "  | " in done.stdout  # the end of the log, indented
    assert "ready on" not in done.stdout
