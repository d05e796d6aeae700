"""A student-import preview is confirmed once (issue 7, point 1): six parallel confirmations of
one preview made six import records; now exactly one confirmation creates the record and queues
the job, and every other lands on that same import's status page.

The confirmations run in threads, each its own request (own app context, own database session
and connection), against the real database of the test: a SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set. Repeated several rounds."""

import re
import threading

from lms.accounts.models import Role, User
from lms.extensions import db
from lms.schools.models import ImportState, StudentImport
from tests.conftest import csrf_from
from tests.web import conftest_admin
from tests.web.conftest_admin import form_post, student_rows, upload, xlsx_bytes

school_admin = conftest_admin.school_admin  # a fixture

IMPORT_URL = "/admin/students/import"
CONFIRM_URL = "/admin/students/import/confirm"
STATUS_RE = re.compile(r"/admin/students/import/(\d+)$")
PARALLEL, ROUNDS = 6, 3


def preview_token(client, rows, tmp_path):
    page = upload(client, IMPORT_URL, xlsx_bytes(tmp_path, rows), "danh-sach.xlsx")
    assert page.status_code == 200, page.get_data(as_text=True)[-2000:]
    return page.get_data(as_text=True).split('name="token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


def imports():
    db.session.expire_all()
    return db.session.scalars(db.select(StudentImport).order_by(StudentImport.id)).all()


def students():
    return db.session.scalar(db.select(db.func.count(User.id)).where(User.role == Role.STUDENT))


def confirm_in_parallel(app, client, token):
    """PARALLEL confirmations of one preview at once, from the same browser session (a double
    click, two tabs): [(status, Location)]."""
    cookie = client.get_cookie("session").value
    csrf = csrf_from(client, "/account/password")
    barrier, answers, errors = threading.Barrier(PARALLEL), [], []

    def confirm():
        other = app.test_client()
        other.set_cookie("session", cookie)
        try:
            barrier.wait(timeout=30)
            response = other.post(CONFIRM_URL, data={"token": token, "csrf_token": csrf})
            answers.append((response.status_code, response.headers.get("Location", "")))
        except Exception as error:  # noqa: BLE001 - the assertion below shows it
            errors.append(repr(error))

    threads = [threading.Thread(target=confirm) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return answers


def test_parallel_confirmations_of_one_preview_import_once(app, school_admin, tmp_path):
    for round_ in range(ROUNDS):
        rows = student_rows(*[(f"79{round_:02d}00000{n}", name, "05/09/2013", "Nam", "6A1", 6)
                              for n, name in enumerate(["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu"], 1)])
        token = preview_token(school_admin, rows, tmp_path)
        before_imports, before_students = len(imports()), students()
        db.session.remove()  # the test holds no transaction while the requests race

        answers = confirm_in_parallel(app, school_admin, token)

        assert len(answers) == PARALLEL
        assert {status for status, _ in answers} == {302}, answers
        locations = {location for _, location in answers}
        assert len(locations) == 1 and STATUS_RE.search(locations.pop()), answers  # the same import's page
        records = imports()
        assert len(records) == before_imports + 1, f"round {round_}: {len(records) - before_imports} imports"
        record = records[-1]
        assert record.state == ImportState.DONE, (record.state, record.message)
        assert record.counts["created"] == 3
        assert students() == before_students + 3


def test_a_confirmation_sent_again_shows_the_same_import(app, school_admin, tmp_path):
    """The second click arrives after the first was answered (its cookie no longer holds the
    preview): the admin sees the import they started, not "upload the file again"."""
    token = preview_token(school_admin, student_rows(("7900000001", "Nguyễn Văn An", "05/09/2013", "Nam",
                                                      "6A1", 6)), tmp_path)
    first = form_post(school_admin, CONFIRM_URL, {"token": token})
    again = form_post(school_admin, CONFIRM_URL, {"token": token})
    assert first.status_code == again.status_code == 302
    assert STATUS_RE.search(first.headers["Location"]) and again.headers["Location"] == first.headers["Location"]
    assert len(imports()) == 1
    page = school_admin.get(again.headers["Location"])
    assert page.status_code == 200 and 'data-state="done"' in page.get_data(as_text=True)


def test_another_schools_admin_cannot_use_the_token(app, school_admin, demo, tmp_path):
    """The token names an import of THCS01: for anyone else it does not exist (404), and they
    queue nothing with it."""
    from lms.accounts import services as account_services
    from lms.schools import queries
    from tests.conftest import DEMO_PASSWORD, login

    token = preview_token(school_admin, student_rows(("7900000001", "Nguyễn Văn An", "05/09/2013", "Nam",
                                                      "6A1", 6)), tmp_path)
    assert form_post(school_admin, CONFIRM_URL, {"token": token}).status_code == 302
    account_services.create_user("bgh.thcs02", "Hiệu trưởng", Role.SCHOOL_ADMIN, DEMO_PASSWORD,
                                 school=queries.school_by_code("THCS02"))
    db.session.commit()
    other = app.test_client()
    assert login(other, "bgh.thcs02").status_code == 302
    assert form_post(other, CONFIRM_URL, {"token": token}).status_code == 404
    assert len(imports()) == 1
