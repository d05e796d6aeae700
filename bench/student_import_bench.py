"""Time a whole school's student import: the preview (in the request) and the import job.

    .venv/bin/python bench/student_import_bench.py [--rows 1000] [--hash-sample 40]

Builds an XLSX of `--rows` fake students (25 classes of grades 6-8, all new), an app on a
temporary SQLite database (create_app with a test config in a temp dir, then create_all) with
the production password hashing (scrypt), and times:

- preview: `importing.preview_students`, what the upload request does;
- job: `jobs.run_student_import` (Huey in immediate mode, so it runs here), what the worker does
  after the confirmation: the checks again, then every account (one scrypt hash each), the
  enrolments and the passwords sheet, in one transaction;
- hashing alone, `--hash-sample` passwords one after the other and then on a 2-thread
  ThreadPoolExecutor, to see whether threads would help here (hashlib.scrypt releases the GIL,
  so it depends on idle cores).

Not a test: it prints figures and exits 0 unless the import fails.
"""

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.security import generate_password_hash  # noqa: E402

from lms import create_app  # noqa: E402
from lms.accounts import services as account_services  # noqa: E402
from lms.accounts.models import Role  # noqa: E402
from lms.core.spreadsheet import write_xlsx  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.schools import importing, jobs, services  # noqa: E402
from lms.schools.demo import FAMILY, GIVEN, MIDDLE  # noqa: E402
from lms.schools.models import StudentImport  # noqa: E402
from lms.schools.permissions import SYSTEM  # noqa: E402

HEADERS = ["STT", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính", "Lớp học", "Khối học"]
CLASSES = [f"{grade}A{n}" for grade in (6, 7, 8) for n in range(1, 9)] + ["6A9"]  # 25 classes


def fake_rows(count):
    rows = []
    for i in range(count):
        class_name = CLASSES[i % len(CLASSES)]
        grade = int(class_name[0])
        name = f"{FAMILY[i % len(FAMILY)]} {MIDDLE[(i // 7) % len(MIDDLE)]} {GIVEN[(i * 7) % len(GIVEN)]}"
        birth = f"{1 + i % 28:02d}/{1 + i % 12:02d}/{2019 - grade}"
        rows.append([i + 1, f"79{i:08d}", name, birth, "Nam" if i % 2 else "Nữ", class_name, grade])
    return rows


def build_app(folder):
    return create_app({
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
        "INSTANCE_PATH": str(folder / "instance"),
        "HUEY_IMMEDIATE": True,
        "SEARCH_ENABLED": False,
        # PASSWORD_HASH_METHOD stays the default (scrypt): its cost is what is measured.
    })


def time_hashing(sample):
    passwords = [f"k7mp-x4qa-{i:04d}" for i in range(sample)]
    start = time.perf_counter()
    for password in passwords:
        generate_password_hash(password, method="scrypt")
    one = time.perf_counter() - start
    with ThreadPoolExecutor(max_workers=2) as pool:
        start = time.perf_counter()
        list(pool.map(lambda p: generate_password_hash(p, method="scrypt"), passwords))
        two = time.perf_counter() - start
    return one, two


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--hash-sample", type=int, default=40)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="student-import-bench-") as tmp:
        folder = Path(tmp)
        data = write_xlsx(HEADERS, fake_rows(args.rows), title="Danh sách")
        app = build_app(folder)
        with app.app_context():
            db.create_all()
            services.init_reference_data()
            school = services.create_school(SYSTEM, "BENCH01", "Trường THCS Đo Thời Gian")
            admin = account_services.create_user("bgh.bench", "Quản trị", Role.SCHOOL_ADMIN,
                                                 "bench-password", school=school)
            db.session.commit()
            print(f"{args.rows} students, {len(data) / 1024:.0f} KiB XLSX, "
                  f"hash {app.config['PASSWORD_HASH_METHOD']}, {os.cpu_count()} CPUs, "
                  f"load {os.getloadavg()[0]:.1f}")

            start = time.perf_counter()
            preview = importing.preview_students(school, data, "danh-sach.xlsx")
            preview_s = time.perf_counter() - start
            assert preview.ok and len(preview.to_create) == args.rows, preview.errors()[:3]
            db.session.rollback()

            record = StudentImport(school_id=school.id, actor_id=admin.id, filename="danh-sach.xlsx")
            db.session.add(record)
            db.session.commit()
            token, import_id = importing.stash().put(data, ".xlsx"), record.id
            start = time.perf_counter()
            jobs.run_student_import(import_id, token)
            job_s = time.perf_counter() - start
            db.session.expire_all()
            record = db.session.get(StudentImport, import_id)
            if record.state != "done":
                sys.exit(f"import {record.state}: {record.message} {record.errors[:3]}")

            print(f"preview: {preview_s:7.2f} s  {preview_s / args.rows * 1000:6.1f} ms/student")
            print(f"job:     {job_s:7.2f} s  {job_s / args.rows * 1000:6.1f} ms/student  "
                  f"({record.counts['created']} created, {len(record.counts['classes_created'])} classes)")
            db.session.remove()
            db.engine.dispose()

        if args.hash_sample:
            one, two = time_hashing(args.hash_sample)
            print(f"scrypt alone ({args.hash_sample}): 1 thread {one / args.hash_sample * 1000:.0f} ms/hash, "
                  f"2 threads {two / args.hash_sample * 1000:.0f} ms/hash, speed-up x{one / two:.2f}")


if __name__ == "__main__":
    main()
