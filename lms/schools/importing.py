"""Bulk student import from the city's student list export (XLSX or CSV).

The export's headers are `Mã định danh Bộ GD&ĐT`, `Họ tên`, `Ngày sinh`, `Giới tính`, `Lớp học`,
`Khối học` (matched after diacritic folding, so `Ma dinh danh Bo GD&DT` works too; extra columns
are ignored). The header row must be the first row. The file is read by `core.spreadsheet.read_table`
within the IMPORT_MAX_* limits (rows, columns, cell length, inflated size), and what a preview or
an error message echoes of a cell is cut short.

Rules:
- The ministry identifier (mã định danh, ten digits) is the key. A student of this school with
  that identifier is updated (name, birth date, gender, class), never duplicated, and keeps their
  username; an identifier held by an account of another school, or by a non-student, is an error.
- The export is authoritative about classes: a class of the current school year that does not
  exist yet is created (the preview says so); its name must start with its grade (`Khối học`).
- All rows or none: `preview_students` lists every row with what will happen or why it cannot;
  `import_students` refuses the whole file if any row is bad, and otherwise only flushes — the
  caller commits once.
- New usernames are `<given name><initials>.<class>.<last 4 digits of the identifier>`
  ("annv.6a1.6789" for Nguyễn Văn An), lengthened with more digits of the identifier on a
  collision. They never change on a later import, even when the student moves class.
- First passwords are generated (see `services.generate_password`) and handed back once, as the
  sheet built by `passwords_sheet`.
- On the web a confirmed import runs as a job (`jobs.run_student_import`): hashing a scrypt
  password per new account takes minutes for a whole school, far past a request's time limit.

Messages here are plain Vietnamese, like the services' (this also runs from the CLI, outside a
request, where no locale is selected).
"""

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field

from flask import current_app

from ..accounts import services as account_services
from ..accounts.models import Role
from ..core import events
from ..core.errors import Forbidden, ValidationError, _
from ..core.rows import insert_unless_present
from ..core.spreadsheet import read_table, shorten, write_xlsx
from ..core.stash import TempStash
from ..core.text import clean_line, fold, person_sort_key
from ..core.timeutil import utcnow
from ..extensions import db
from . import guardians, permissions, queries, services, signals
from .models import ImportState, StudentImport

COLUMNS = {
    "student_code": "Mã định danh Bộ GD&ĐT",
    "full_name": "Họ tên",
    "birth_date": "Ngày sinh",
    "gender": "Giới tính",
    "class_name": "Lớp học",
    "grade": "Khối học",
}
# Optional: the parents the city's export names, and the family's contact phone (see guardians.py).
PARENT_COLUMNS = {
    "father": "Họ tên cha",
    "mother": "Họ tên mẹ",
    "phone": "SĐT liên hệ",
}
GENDERS = {"nam": "Nam", "nu": "Nữ"}
DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
GRADE_RE = re.compile(r"^(?:khoi|k)?\s*(\d+)$")
SHEET_HEADERS = ("Tên đăng nhập", "Họ tên", "Lớp", "Mật khẩu")
FULL_NAME_MAX = 200  # the width of user.full_name


def _header_key(text):
    return re.sub(r"[^a-z0-9]", "", fold(clean_line(text)))


@dataclass
class PreviewRow:
    line: int
    student_code: str
    full_name: str
    birth_date: dt.date | None
    gender: str | None
    class_name: str
    grade: int | None
    errors: list = field(default_factory=list)
    existing: object = None  # the student this row updates
    username: str | None = None
    parents: list = field(default_factory=list)  # ParentLink, one per parent named on the row
    notes: list = field(default_factory=list)  # what the import does not do with the row, and why

    @property
    def action(self):
        if self.errors:
            return "error"
        return "update" if self.existing is not None else "create"


@dataclass
class ParentLink:
    """A parent named on a row: the account it will be (`existing`, or a new one shared by every row
    naming the same person: `key`) and its username."""

    relation: str  # "father" or "mother"
    full_name: str
    phone: str
    existing: object = None
    username: str | None = None
    linked: bool = False  # the existing parent is already linked to the existing student

    @property
    def key(self):
        return guardians.person_key(self.full_name, self.phone)


@dataclass
class Preview:
    school: object
    year: object
    rows: list
    new_classes: list  # class names to be created in the current year

    @property
    def listed_rows(self):
        """The rows as the preview lists them: by class, then in Vietnamese name order (the file's
        line stays on each row; errors are listed by line, as the file is fixed)."""
        return sorted(self.rows, key=lambda r: (r.class_name, person_sort_key(r.full_name), r.line))

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    @property
    def to_create(self):
        return [r for r in self.rows if r.action == "create"]

    @property
    def to_update(self):
        return [r for r in self.rows if r.action == "update"]

    @property
    def ok(self):
        return not self.error_rows

    def errors(self):
        return [{"line": r.line, "message": "; ".join(r.errors)} for r in self.error_rows]

    @property
    def new_parents(self):
        """The parent accounts to be created, once each (a parent of siblings is one account)."""
        seen, parents = set(), []
        for row in self.rows:
            for link in row.parents:
                if not row.errors and link.existing is None and link.key not in seen:
                    seen.add(link.key)
                    parents.append(link)
        return parents

    @property
    def parent_links(self):
        return sum(1 for row in self.rows if not row.errors for link in row.parents if not link.linked)


@dataclass
class ImportResult:
    school: object
    created: list  # (user, first password)
    updated: list  # (user, None): existing passwords are kept
    classes_created: list
    class_of: dict  # user id -> class name

    parents_created: list = field(default_factory=list)  # (parent, first password)
    parents_linked: int = 0

    def summary(self):
        return {"created": len(self.created), "updated": len(self.updated),
                "classes_created": list(self.classes_created),
                "parents_created": len(self.parents_created), "parents_linked": self.parents_linked}


def parse_birth_date(value):
    """A real date cell, or text dd/mm/yyyy (also d/m/yyyy, with - or .); ISO yyyy-mm-dd too."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_line(value)
    match = DATE_RE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = ISO_DATE_RE.match(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_grade(value):
    match = GRADE_RE.match(fold(clean_line(value)))
    return int(match.group(1)) if match else None


def username_base(full_name, class_name):
    """"Nguyễn Văn An", "6A1" -> "annv.6a1": the given name, then the initials of the others."""
    words = [re.sub(r"[^a-z0-9]", "", w) for w in fold(clean_line(full_name)).split()]
    words = [w for w in words if w]
    name = (words[-1] + "".join(w[0] for w in words[:-1]))[:20] if words else "hs"
    return f"{name}.{class_name.lower()}"


def username_candidates(full_name, class_name, student_code):
    base = username_base(full_name, class_name)
    yield from (f"{base}.{student_code[-n:]}" for n in range(4, 11))
    yield from (f"{base}.{student_code}.{k}" for k in range(2, 100))


def _read_rows(data, filename):
    headers, rows = read_table(data, filename)
    wanted = {_header_key(label): key for key, label in (*COLUMNS.items(), *PARENT_COLUMNS.items())}
    mapping = {h: wanted[_header_key(h)] for h in headers if _header_key(h) in wanted}
    missing = [label for key, label in COLUMNS.items() if key not in mapping.values()]
    if missing:
        raise ValidationError(
            _("Thiếu cột bắt buộc: %(columns)s. Dòng đầu tiên của tệp phải là tiêu đề "
              "cột của danh sách học sinh xuất từ CSDL ngành.", columns=", ".join(missing)),
            {"missing_columns": missing, "found": [shorten(h, 40) for h in headers if h]}, code="bad_headers")
    if not rows:
        raise ValidationError(_("Tệp không có dòng học sinh nào."), {"file": filename}, code="empty_file")
    return [(line, {mapping[h]: v for h, v in raw.items() if h in mapping}) for line, raw in rows]


def _parse_row(line, cells):
    code = clean_line(cells.get("student_code"))
    class_name = clean_line(cells.get("class_name")).upper()
    raw_date = cells.get("birth_date")
    row = PreviewRow(line=line, student_code=code, full_name=clean_line(cells.get("full_name")),
                     birth_date=parse_birth_date(raw_date),
                     gender=GENDERS.get(fold(clean_line(cells.get("gender")))),
                     class_name=class_name, grade=parse_grade(cells.get("grade")))
    if not code:
        row.errors.append(_("thiếu mã định danh"))
    elif not account_services.STUDENT_CODE_RE.match(code):
        if code.isdigit() and len(code) < 10:
            row.errors.append(_("mã định danh '%(code)s' phải gồm đúng 10 chữ số (ô đang ở dạng số nên "
                                "có thể đã mất số 0 đầu: hãy định dạng cột là Văn bản)", code=shorten(code)))
        else:
            row.errors.append(_("mã định danh '%(code)s' phải gồm đúng 10 chữ số", code=shorten(code)))
    if not row.full_name:
        row.errors.append(_("thiếu họ tên"))
    elif len(row.full_name) > FULL_NAME_MAX:
        row.errors.append(_("họ tên dài quá %(max)s ký tự", max=FULL_NAME_MAX))
    if row.birth_date is None:
        row.errors.append(_("ngày sinh '%(value)s' không hợp lệ (cần dd/mm/yyyy)", value=shorten(clean_line(raw_date)))
                          if clean_line(raw_date) else _("thiếu ngày sinh"))
    elif row.birth_date > dt.date.today():
        row.errors.append(_("ngày sinh ở tương lai"))
    if row.gender is None:
        row.errors.append(_("giới tính '%(value)s' phải là Nam hoặc Nữ", value=shorten(clean_line(cells.get("gender")))))
    if row.grade not in (6, 7, 8):
        row.errors.append(_("khối học '%(value)s' phải là 6, 7 hoặc 8", value=shorten(clean_line(cells.get("grade")))))
    match = services.CLASS_NAME_RE.match(class_name)
    if not match:
        row.errors.append(_("lớp '%(name)s' không hợp lệ (ví dụ 6A1)", name=shorten(class_name)) if class_name
                          else _("thiếu lớp"))
    elif row.grade in (6, 7, 8) and int(match.group(1)) != row.grade:
        row.errors.append(_("lớp %(name)s không thuộc khối %(grade)s", name=class_name, grade=row.grade))
    _parse_parents(row, cells)
    return row


def _parse_parents(row, cells):
    """The father and mother named on the row. A parent is recognised by name and phone, so a name
    without a (valid) phone is left out with a note rather than refusing the file."""
    names = [(relation, clean_line(cells.get(relation))) for relation in ("father", "mother")]
    names = [(relation, name) for relation, name in names if name]
    if not names:
        return
    raw_phone = clean_line(cells.get("phone"))
    try:
        phone = guardians.normal_phone(raw_phone)
    except ValidationError:
        row.errors.append(_("SĐT liên hệ '%(phone)s' không hợp lệ (ví dụ 0912345678)", phone=shorten(raw_phone)))
        return
    if not phone:
        row.notes.append(_("không có SĐT liên hệ: chưa tạo tài khoản phụ huynh"))
        return
    for relation, name in names:
        if len(name) > FULL_NAME_MAX:
            row.errors.append(_("họ tên phụ huynh dài quá %(max)s ký tự", max=FULL_NAME_MAX))
            continue
        row.parents.append(ParentLink(relation=relation, full_name=name, phone=phone))


def preview_students(school, data, filename):
    """Read and check the whole file without writing anything; see the module's rules."""
    parsed = _read_rows(data, filename)
    year = services.current_school_year()
    rows = [_parse_row(line, cells) for line, cells in parsed]

    lines_by_code = {}
    for row in rows:
        if row.student_code:
            lines_by_code.setdefault(row.student_code, []).append(row.line)
    for row in rows:
        others = [n for n in lines_by_code.get(row.student_code, []) if n != row.line]
        if others:
            shown = ", ".join(map(str, others[:5])) + (", …" if len(others) > 5 else "")  # bounded echo
            row.errors.append(_("mã định danh trùng với dòng %(lines)s", lines=shown))

    existing = queries.users_by_student_code(c for c in lines_by_code if account_services.STUDENT_CODE_RE.match(c))
    for row in rows:
        user = existing.get(row.student_code)
        if user is None:
            continue
        if user.school_id != school.id:
            row.errors.append(_("mã định danh đã gắn với một tài khoản của trường khác"))
        elif user.role != Role.STUDENT:
            row.errors.append(_("mã định danh đã gắn với tài khoản %(username)s, không phải học sinh",
                                username=user.username))
        else:
            row.existing, row.username = user, user.username

    known = {c.name for c in queries.classrooms_of(school, year)}
    new_classes = sorted({r.class_name for r in rows if not r.errors and r.class_name not in known})
    _assign_usernames([r for r in rows if r.action == "create"])
    _resolve_parents(rows)
    return Preview(school=school, year=year, rows=rows, new_classes=new_classes)


def _resolve_parents(rows):
    """Match each named parent to an existing account (name and phone) or to the new account that
    the first row naming them creates, and give new accounts their usernames: a fixed number of
    statements, plus one per new parent whose first candidate username is taken."""
    rows = [r for r in rows if r.parents and not r.errors]
    existing = guardians.find_parents({link.key for r in rows for link in r.parents})
    linked = guardians.linked_pairs([p.id for p in existing.values()],
                                    [r.existing.id for r in rows if r.existing is not None])
    usernames = {}
    # One statement for the first two candidates of every child; a rarer collision asks again.
    checked = {name for r in rows for name in list(guardians.parent_username_candidates(r.username or ""))[:2]}
    taken = queries.taken_usernames(checked)
    for row in rows:
        for link in row.parents:
            link.existing = existing.get(link.key)
            if link.existing is not None:
                link.username = link.existing.username
                link.linked = row.existing is not None and (link.existing.id, row.existing.id) in linked
            elif link.key in usernames:
                link.username = usernames[link.key]
            else:
                link.username = usernames[link.key] = guardians.free_parent_username(row.username, taken, checked)
                taken.add(link.username)


def _assign_usernames(rows):
    """First free candidate per row, against the database and the rows before it in the file."""
    candidates = {r.line: list(username_candidates(r.full_name, r.class_name, r.student_code)) for r in rows}
    # One query for the likely names; the rare row that needs more asks again.
    checked = {c for names in candidates.values() for c in names[:7]}
    taken = queries.taken_usernames(checked)
    for row in rows:
        for name in candidates[row.line]:
            if name not in taken and (name in checked or not queries.taken_usernames([name])):
                row.username = name
                taken.add(name)
                break
        else:  # pragma: no cover - a hundred accounts named after one identifier
            row.errors.append(_("không tạo được tên đăng nhập riêng"))


def import_students(actor, school, data, filename):
    """Create or update every student of the file and enrol them, all rows or none, as `actor`
    (the admin who confirmed it, or SYSTEM for the CLI): 403 unless they may import into the school.

    Raises ValidationError (code `import_rejected`, details {"rows": [{line, message}]}) listing
    every bad row; flushes but never commits.
    """
    if not permissions.allows(permissions.can_import_students, actor, school):
        raise Forbidden()
    preview = preview_students(school, data, filename)
    if not preview.ok:
        raise ValidationError(_("Có %(count)s dòng lỗi; chưa nhập dòng nào.", count=len(preview.error_rows)),
                              {"rows": preview.errors()}, code="import_rejected")
    # Hash every first password before the first write: the write lock is then held for
    # milliseconds per row rather than the ~0.1 s that each scrypt hash costs.
    new_rows = [row for row in preview.rows if row.existing is None]
    passwords = [services.generate_password() for _ in new_rows]
    hashes = dict(zip((id(r) for r in new_rows),
                      zip(passwords, account_services.hash_passwords(passwords), strict=True), strict=True))
    classrooms = {c.name: c for c in queries.classrooms_of(school, preview.year)}
    for name in preview.new_classes:
        classrooms[name] = services.create_classroom(actor, school, name, preview.year)
    new_parents = preview.new_parents
    parent_passwords = [services.generate_password() for _ in new_parents]
    parent_hashes = account_services.hash_passwords(parent_passwords)
    created, updated, class_of = [], [], {}
    parents = {}  # person key -> parent account
    parents_created = []
    for link, password, password_hash in zip(new_parents, parent_passwords, parent_hashes, strict=True):
        row = next(r for r in preview.rows if link in r.parents)
        parent = account_services.create_user(
            link.username, link.full_name, Role.PARENT, password, school=school, phone=link.phone,
            must_change_password=True, password_hash=password_hash)
        parents[link.key] = parent
        parents_created.append((parent, password))
        class_of[parent.id] = row.class_name
    parents_linked = 0
    for row in preview.rows:
        if row.existing is not None:
            user = row.existing
            user.full_name, user.birth_date, user.gender = row.full_name, row.birth_date, row.gender
            updated.append((user, None))
        else:
            password, password_hash = hashes[id(row)]
            user = account_services.create_user(
                row.username, row.full_name, Role.STUDENT, password, school=school,
                student_code=row.student_code, birth_date=row.birth_date, gender=row.gender,
                must_change_password=True, password_hash=password_hash)
            created.append((user, password))
        services.enroll(actor, user, classrooms[row.class_name])
        class_of[user.id] = row.class_name
        for link in row.parents:
            if not link.linked:
                guardians.link(actor, link.existing or parents[link.key], user)
                parents_linked += 1
    db.session.flush()
    return ImportResult(school=school, created=created, updated=updated,
                        classes_created=list(preview.new_classes), class_of=class_of,
                        parents_created=parents_created, parents_linked=parents_linked)


def upload_key(upload_token):
    """What a StudentImport row keeps of the upload it imports: the token's SHA-256 (the token
    itself is a capability to the stashed file)."""
    return hashlib.sha256(upload_token.encode("utf-8")).hexdigest()


def confirmed_import(upload_token):
    """The import that confirmed this upload already, or None."""
    if not upload_token:
        return None
    return db.session.scalar(db.select(StudentImport).where(StudentImport.upload_key == upload_key(upload_token)))


def confirm_import(actor, school, upload_token, filename):
    """Record the confirmation of a previewed upload, to be imported by a job: (record, created).

    A preview is confirmed once. The row is keyed by the upload (a unique column) and written
    with one conditional INSERT … ON CONFLICT DO NOTHING, so of any number of concurrent
    confirmations (a double click, two tabs) exactly one inserts (created is True: the caller
    commits, then queues the job) and every other gets that same record back. On PostgreSQL the
    losers' INSERT waits for the winner's transaction and then does nothing; SQLite has one
    writer at a time. A confirmation is a person's (the record names them, the job acts as them):
    SYSTEM imports with `import_students` directly.
    """
    if actor is permissions.SYSTEM or not permissions.can_import_students(actor, school):
        raise Forbidden()
    key = upload_key(upload_token)
    inserted = insert_unless_present(
        StudentImport, {"school_id": school.id, "actor_id": actor.id, "filename": filename,
                        "state": ImportState.QUEUED.value, "created_at": utcnow(), "upload_key": key},
        StudentImport.upload_key)
    record = db.session.scalar(db.select(StudentImport).where(StudentImport.upload_key == key))
    if inserted is not None:  # the import job starts once this has committed (schools/jobs.py)
        events.announce(signals.import_confirmed, import_id=record.id, upload_token=upload_token)
    return record, inserted is not None


def passwords_sheet(result):
    """The first passwords of the accounts just created, as an XLSX to print and hand out."""
    rows = sorted(((user.username, user.full_name, result.class_of.get(user.id, ""), password)
                   for user, password in result.created), key=lambda r: (r[2], person_sort_key(r[1]), r[0]))
    # Parents after the students, each under the class of the child they came with: the sheet is cut
    # by class and handed to the children to take home.
    rows += sorted(((user.username, f"{user.full_name} (phụ huynh)", result.class_of.get(user.id, ""), password)
                    for user, password in result.parents_created), key=lambda r: (r[2], person_sort_key(r[1]), r[0]))
    return write_xlsx(SHEET_HEADERS, rows, title="Mật khẩu")


def stash():
    """Where an upload waits between its preview and its import job, and a passwords sheet until
    its one download (instance/tmp/student-imports)."""
    return TempStash(os.path.join(current_app.instance_path, "tmp", "student-imports"))
