"""Upload a 200 MB video through the running app and print the server's memory and throughput.

    .venv/bin/python bench/upload_bench.py [--size-mb 200] [--workers 1]

Starts gunicorn on a free port with a temporary instance folder (SQLite, file store), signs in as
the demo teacher through the token endpoint, and streams a generated MP4 (a valid header and
track list, then random bytes) to POST /api/v1/materials with http.client, chunk by chunk, so the
client never holds the file either. Meanwhile it samples the gunicorn worker's VmRSS from /proc
every few milliseconds and reads its VmHWM before and after. For comparison it times
shutil.copyfile of the same file on the same disk in the same run.

Goal (issue 3): the server's peak memory grows by less than 50 MB for a 200 MB upload.
Not a test: it prints figures and exits 0 unless the upload fails.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
MiB = 1024 * 1024
CHUNK = MiB
BOUNDARY = "----hoclieu-bench-boundary"

SETUP = """
from lms import create_app
from lms.extensions import db
from lms.schools import demo, services
app = create_app()
with app.app_context():
    # create_all, not `flask lms init`: it also covers tables whose migration is not written yet.
    db.create_all()
    services.init_reference_data()
    demo.seed_demo()
    db.session.commit()
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mp4_header(payload_size):
    """ftyp + moov (one video track) + the header of an mdat box holding `payload_size` bytes."""
    def box(kind, body=b""):
        return struct.pack(">I4s", 8 + len(body), kind) + body

    hdlr = box(b"hdlr", b"\0" * 8 + b"vide" + b"\0" * 13)
    moov = box(b"moov", box(b"mvhd", b"\0" * 100) + box(b"trak", box(b"mdia", hdlr)))
    ftyp = box(b"ftyp", b"isom\0\0\2\0isomiso2mp41")
    mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + payload_size)  # 64-bit size
    return ftyp + moov + mdat


def make_video(path, size_mb):
    header = mp4_header(size_mb * MiB)
    with open(path, "wb") as out:
        out.write(header)
        for _ in range(size_mb):
            out.write(os.urandom(MiB))
    return path.stat().st_size


def proc_status(pid):
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return []


class Sampler(threading.Thread):
    """Peak VmRSS of a process, sampled every `interval` seconds."""

    def __init__(self, pid, interval=0.005):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.stop = pid, interval, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, proc_status(self.pid)["VmRSS"])
            except (FileNotFoundError, KeyError):
                return
            time.sleep(self.interval)


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def wait_until_up(port, deadline=30):
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        try:
            status, _ = request(port, "GET", "/healthz")
            if status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def multipart_parts(fields, file_field, filename):
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items())
    head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
             f"Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head, tail


def stream_upload(port, token, path, fields):
    """POST the file as multipart/form-data, written to the socket a chunk at a time."""
    head, tail = multipart_parts(fields, "file", path.name)
    length = len(head) + path.stat().st_size + len(tail)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", "/api/v1/materials")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    conn.send(head)
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="upload-bench-") as folder:
        folder = Path(folder)
        instance = folder / "instance"
        env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "LMS_SECRET_KEY": os.urandom(24).hex(),
               "LMS_HUEY_IMMEDIATE": "true", "LMS_SEARCH_ENABLED": "false"}
        env.pop("DATABASE_URL", None)
        subprocess.run([str(BIN / "python"), "-c", SETUP], cwd=ROOT, env=env, check=True)

        video = folder / "bai-giang.mp4"
        size = make_video(video, args.size_mb)
        copy_target = instance / "copy-of-video.mp4"
        start = time.perf_counter()
        shutil.copyfile(video, copy_target)
        with open(copy_target, "rb+") as f:
            os.fsync(f.fileno())  # the store fsyncs too; compare like with like
        copy_seconds = time.perf_counter() - start
        copy_target.unlink()

        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "600", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)
        try:
            wait_until_up(port)
            status, body = request(port, "POST", "/api/v1/auth/token",
                                   json.dumps({"username": "gv.toan", "password": "hoclieu-demo"}),
                                   {"Content-Type": "application/json"})
            assert status == 200, body
            token = json.loads(body)["token"]
            fields = {"title": "Bài giảng video (bench)", "subject": "toan", "grade": "6", "kind": "video",
                      "license": "cc_by", "rights_confirmed": "true"}
            # Warm up: the first upload imports and initialises everything on the request path.
            small = folder / "nho.mp4"
            small.write_bytes(mp4_header(1024) + os.urandom(1024))
            status, body = stream_upload(port, token, small, {**fields, "title": "warm-up"})
            assert status == 201, body

            workers = children(server.pid)
            before = {pid: proc_status(pid) for pid in workers}
            samplers = [Sampler(pid) for pid in workers]
            for sampler in samplers:
                sampler.start()
            start = time.perf_counter()
            status, body = stream_upload(port, token, video, fields)
            upload_seconds = time.perf_counter() - start
            for sampler in samplers:
                sampler.stop.set()
                sampler.join()
            after = {pid: proc_status(pid) for pid in workers}
            if status != 201:
                raise SystemExit(f"upload failed: {status} {body[:500]!r}")
            answer = json.loads(body)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    mb = size / MiB
    rss_growth = max(s.peak - before[s.pid]["VmRSS"] for s in samplers)
    hwm_growth = max(after[pid]["VmHWM"] - before[pid]["VmHWM"] for pid in workers)
    baseline = max(before[pid]["VmRSS"] for pid in workers)
    print(f"file: {mb:.0f} MB video, stored as version {answer['version']} "
          f"({answer['file']['mime']}, {answer['file']['size']} bytes)")
    print(f"server worker RSS before: {baseline / MiB:.1f} MB")
    print(f"peak RSS increase during upload: {rss_growth / MiB:.1f} MB (sampled); "
          f"VmHWM increase: {hwm_growth / MiB:.1f} MB  (goal < 50 MB)")
    print(f"upload through the app: {upload_seconds:.2f} s = {mb / upload_seconds:.0f} MB/s")
    print(f"plain shutil.copyfile + fsync of the same file: {copy_seconds:.2f} s = {mb / copy_seconds:.0f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
