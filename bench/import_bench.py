"""Question-file import: questions per second for GIFT and Word, parse only and parse + store, and the real Word files.

    .venv/bin/python bench/import_bench.py [--gift 5000] [--word 1000] [--repeat 3]
        [--database postgresql://127.0.0.1:5432/bench_q] [--no-sqlite] [--profile]

- generates a GIFT file of `--gift` questions with Vietnamese text (all the types GIFT expresses,
  categories, comments with tags, escapes) and a Word file of `--word` questions whose options
  are numbered by Word itself (numbering.xml, one restarted list per question, the answer in red:
  the layout of issue 17's 300-question bank), and times `formats.parse` on each (best of
  `--repeat`), printing questions per second;
- reads the five real files of ../shared/interop/word and prints, for each, the answers read right
  of those expected.json can tell, the questions flagged (unresolved) and the parse time.

- parse + store: both generated files go through the real import service as the web does it,
  `preview_import` (parse, duplicates, the preview row, the file kept through lms/files) then
  `confirm_import` and the commit, by a teacher of a fresh app: on a temporary SQLite database,
  and on PostgreSQL when `--database` names one (its own database, created and dropped here;
  user `postgres` when the URL names none). `--profile` prints pyinstrument's view of the GIFT
  store (when pyinstrument is installed).

Not a test: it prints figures and exits 0 unless a generated file fails to parse or store cleanly.
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.questions import formats  # noqa: E402

WORD = Path(__file__).resolve().parents[2] / "shared" / "interop" / "word"
SUBJECTS = ["Toán", "Ngữ văn", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Tin học"]
WORDS = ("phân số", "tỉ lệ thức", "hình tam giác", "quang hợp", "phương châm hội thoại", "thế kỉ", "đồng bằng",
         "nhiệt độ", "vận tốc", "hình bình hành", "số nguyên tố", "tế bào", "khí hậu", "bài thơ", "văn bản")


def _topic(n):
    return WORDS[n % len(WORDS)], WORDS[(n * 7 + 3) % len(WORDS)]


def generate_gift(count=5000):
    """A GIFT file of `count` questions (bytes, UTF-8): single and multiple choice, true/false,
    short answer, numerical, matching and essay in turn, a category every 100 questions."""
    out = []
    for n in range(1, count + 1):
        if n % 100 == 1:
            out.append(f"$CATEGORY: $course$/{SUBJECTS[(n // 100) % len(SUBJECTS)]}/Chủ đề {n // 100 + 1}\n\n")
        a, b = _topic(n)
        head = f"// [tag:{'NB TH VD VDC'.split()[n % 4]}] [tag:lớp {6 + n % 3}]\n::Câu {n}::"
        kind = n % 7
        if kind == 0:
            body = (f"Khái niệm {a} gắn với nội dung nào sau đây\\: ?{{\n=\tNội dung về {b}\n~Nội dung khác về {a}\n"
                    f"~Không có đáp án đúng\n~Cả ba ý trên\n####Vì {a} liên quan đến {b}.\n}}")
        elif kind == 1:
            body = (f"Chọn các ý đúng về {a}:{{\n~%50%Ý thứ nhất về {b}\n~%50%Ý thứ hai về {a}\n"
                    f"~%-100%Ý sai về {b}\n}}")
        elif kind == 2:
            body = f"{a.capitalize()} và {b} có liên quan với nhau.{{{'TRUE' if n % 2 else 'FALSE'}}}"
        elif kind == 3:
            body = f"Điền từ còn thiếu: “{a} và ___”.{{=%100%{b} =%50%{b.split()[0]}*}}"
        elif kind == 4:
            body = f"Tính {n} : 4 (viết số thập phân).{{#{n / 4}:0,01}}"
        elif kind == 5:
            body = f"Ghép khái niệm với nội dung:{{\n={a} -> {b}\n={b} -> {a}\n=Câu {n} -> số {n}\n}}"
        else:
            body = f"Trình bày hiểu biết của em về {a} và {b}.{{}}"
        out.append(head + body + "\n\n")
    return "".join(out).encode("utf-8")


def generate_word(count=1000):
    """A .docx of `count` questions: typed `Câu N. [TH]`, four options in Word's own numbering (a
    restarted list per question, so each shows A.–D.), the right one in red; 5 paragraphs each."""
    import docx as python_docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    document = python_docx.Document()
    numbering = document.part.numbering_part.element

    def element(tag, **attributes):
        made = OxmlElement(tag)
        for key, value in attributes.items():
            made.set(qn(f"w:{key}"), str(value))
        return made

    abstract = element("w:abstractNum", abstractNumId=900)
    level = element("w:lvl", ilvl=0)
    for tag, value in (("w:start", 1), ("w:numFmt", "upperLetter"), ("w:lvlText", "%1.")):
        level.append(element(tag, val=value))
    abstract.append(level)
    numbering.insert(0, abstract)
    for n in range(1, count + 1):
        a, b = _topic(n)
        document.add_paragraph(f"Câu {n}. [TH] Phát biểu nào sau đây đúng khi nói về {a} và {b}?")
        num = element("w:num", numId=900 + n)
        num.append(element("w:abstractNumId", val=900))
        override = element("w:lvlOverride", ilvl=0)
        override.append(element("w:startOverride", val=1))
        num.append(override)
        numbering.append(num)
        for k in range(4):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(f"Phát biểu số {k + 1} về {b if k % 2 else a} trong câu {n}")
            if k == n % 4:
                run.font.color.rgb = RGBColor(0xFF, 0, 0)
            num_pr = element("w:numPr")
            num_pr.append(element("w:ilvl", val=0))
            num_pr.append(element("w:numId", val=900 + n))
            paragraph._p.get_or_add_pPr().append(num_pr)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def time_parse(fmt, data, repeat=3, filename=""):
    """(best seconds, ParseResult) of `formats.parse(fmt, data)` over `repeat` runs."""
    best, result = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = formats.parse(fmt, data, filename)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def _answer_of(question):
    if question.unresolved:
        return None
    if question.qtype == "single_choice":
        return question.data["correct"].upper()
    if question.qtype == "true_false_group":
        return {s["id"]: "Đ" if s["correct"] else "S" for s in question.data["statements"]}
    if question.qtype == "short_answer":
        return question.data["answers"][0]["text"]
    return None


def _keyed(questions):
    keyed, part, last = {}, 0, 0
    for index, question in enumerate(questions, start=1):
        keyed[str(index)] = question
        number = int(question.name.split()[-1]) if question.name else index
        if number <= last or not last:
            part += 1
        last = number
        roman = {1: "I", 2: "II", 3: "III"}.get(part, str(part))
        keyed[f"{roman}.{number}"] = question
    return keyed


def real_files(repeat):
    """Per shared Word file: (name, told, read right, flagged, questions, seconds)."""
    rows = []
    for expected in json.loads((WORD / "expected.json").read_text(encoding="utf-8")):
        seconds, result = time_parse("docx", (WORD / expected["file"]).read_bytes(), repeat, expected["file"])
        keyed = _keyed(result.questions)
        told = expected.get("answers", {})
        right = 0
        for key, answer in told.items():
            wanted = answer.split(" ")[0] if isinstance(answer, str) and " (" in answer else answer
            if key in keyed and _answer_of(keyed[key]) == wanted:
                right += 1
        flagged = sum(1 for q in result.questions if q.unresolved)
        rows.append((expected["file"], len(told), right, flagged, len(result.questions), seconds,
                     (WORD / expected["file"]).stat().st_size))
    return rows


# --------------------------------------------------------------------------- parse + store


def _with_user(url):
    parts = urlsplit(url)
    if parts.scheme == "postgresql":
        parts = parts._replace(scheme="postgresql+psycopg")  # the driver the project installs
    if parts.scheme.startswith("postgresql") and "@" not in parts.netloc:
        parts = parts._replace(netloc=f"postgres@{parts.netloc}")
    return urlunsplit(parts)


class PostgresDatabase:
    """The bench's own PostgreSQL database: dropped if left over, created, dropped at the end."""

    def __init__(self, url):
        from sqlalchemy import create_engine

        self.url = _with_user(url)
        parts = urlsplit(self.url)
        self.name = parts.path.lstrip("/")
        if not self.name or self.name in ("postgres", "test") or not self.name.replace("_", "").isalnum():
            sys.exit(f"--database: give the bench a database of its own, not {self.name!r}")
        self.admin = create_engine(urlunsplit(parts._replace(path="/postgres")), isolation_level="AUTOCOMMIT")

    def __enter__(self):
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc):
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def time_store(url, folder, files, profile=False):
    """[(label, questions, parse+store seconds, preview seconds, confirm seconds)] for each
    (label, fmt, data, filename) in `files`, imported by a teacher of a fresh app on `url`."""
    from lms import create_app
    from lms.accounts import services as account_services
    from lms.accounts.models import Role
    from lms.extensions import db
    from lms.questions import services
    from lms.questions.models import QuestionImport
    from lms.schools import services as school_services
    from lms.schools.permissions import SYSTEM

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder / "instance"),
                      "FILES_DIR": str(folder / "files"), "HUEY_IMMEDIATE": True, "SEARCH_ENABLED": False})
    rows = []
    with app.app_context():
        db.create_all()
        school_services.init_reference_data()
        school = school_services.create_school(SYSTEM, "BENCH01", "Trường THCS Đo Thời Gian")
        teacher = account_services.create_user("gv.bench", "Giáo viên Đo", Role.TEACHER, "bench-password",
                                               school=school)
        db.session.commit()
        for label, fmt, data, filename in files:
            profiler = None
            if profile and fmt == "gift":
                try:
                    from pyinstrument import Profiler
                    profiler = Profiler()
                    profiler.start()
                except ImportError:
                    print("(pyinstrument is not installed: no profile)")
            started, cpu = time.perf_counter(), time.process_time()
            record = services.preview_import(teacher, fmt, data, filename, "toan", "6")
            db.session.commit()
            previewed = time.perf_counter()
            if record.errors or record.unresolved:
                sys.exit(f"{label}: the preview has problems: {(record.errors or record.unresolved)[:3]}")
            questions = services.confirm_import(teacher, db.session.get(QuestionImport, record.id), {})
            db.session.commit()
            done = time.perf_counter()
            if profiler is not None:
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False)[:6000])
            rows.append((label, len(questions), done - started, previewed - started, done - previewed,
                         time.process_time() - cpu))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return rows


def print_store(where, rows, parse_seconds):
    for label, count, total, preview, confirm, cpu in rows:
        print(f"{where:10} {label:5} {count} questions: parse only {count / parse_seconds[label]:>8,.0f} q/s; "
              f"parse + store {total:6.2f} s = {count / total:>7,.0f} q/s "
              f"(preview {preview:.2f} s, confirm + commit {confirm:.2f} s; this process's CPU {cpu:.2f} s = "
              f"{count / cpu:,.0f} q/s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gift", type=int, default=5000)
    parser.add_argument("--word", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", help="a PostgreSQL URL of the bench's own database (created and dropped)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite store")
    parser.add_argument("--profile", action="store_true", help="profile the GIFT store with pyinstrument")
    args = parser.parse_args()

    gift = generate_gift(args.gift)
    seconds, result = time_parse("gift", gift, args.repeat)
    parse_seconds = {"GIFT": seconds}
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: "
          "wall-clock figures stretch with it)")
    assert result.ok and len(result.questions) == args.gift, result.errors[:3]
    print(f"GIFT  {args.gift} questions, {len(gift) / 1e6:.1f} MB: parse {seconds:.2f} s = "
          f"{args.gift / seconds:,.0f} questions/s")

    started = time.perf_counter()
    word = generate_word(args.word)
    built = time.perf_counter() - started
    seconds, result = time_parse("docx", word, args.repeat, "bench.docx")
    parse_seconds["Word"] = seconds
    assert result.ok and len(result.questions) == args.word and not any(q.unresolved for q in result.questions)
    right = sum(1 for n, q in enumerate(result.questions, start=1) if q.data["correct"] == "abcd"[n % 4])
    print(f"Word  {args.word} questions, {args.word * 4} numbered paragraphs, {len(word) / 1e6:.1f} MB "
          f"(built in {built:.1f} s): parse {seconds:.2f} s = {args.word / seconds:,.0f} questions/s; "
          f"answers read right {right}/{args.word}, flagged {sum(1 for q in result.questions if q.unresolved)}")

    files = [("GIFT", "gift", gift, "bench.gift.txt"), ("Word", "docx", word, "bench.docx")]
    print("\nParse + store (preview_import, confirm_import, commit), a fresh database each:")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        if not args.no_sqlite:
            print_store("SQLite", time_store(f"sqlite:///{folder / 'bench.sqlite3'}", folder, files, args.profile),
                        parse_seconds)
        if args.database:
            with PostgresDatabase(args.database) as url:
                print_store("PostgreSQL", time_store(url, folder, files, args.profile and args.no_sqlite),
                            parse_seconds)

    print("\nShared Word files (../shared/interop/word):")
    print(f"{'file':58} {'told':>4} {'right':>5} {'flagged':>7} {'questions':>9} {'parse':>8}")
    rows = real_files(args.repeat)
    for name, told, right, flagged, count, seconds, _size in rows:
        print(f"{name:58} {told:>4} {right:>5} {flagged:>7} {count:>9} {seconds * 1000:>6.0f}ms")
    largest = max(rows, key=lambda row: row[6])
    print(f"total: {sum(r[2] for r in rows)}/{sum(r[1] for r in rows)} answers read right, "
          f"{sum(r[3] for r in rows)} flagged; largest file {largest[0]} ({largest[6] / 1000:.0f} kB) "
          f"parsed in {largest[5] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
