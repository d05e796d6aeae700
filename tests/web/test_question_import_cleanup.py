"""Import previews never confirmed (issue 10): cancelling a preview, replacing it by uploading the
file again, or leaving it unconfirmed for a day deletes it with the pictures and the uploaded file
only it kept; files something else still refers to (another preview, a question's text, a
confirmed import) stay, rows and bytes."""

import io
from datetime import timedelta

import pytest

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.store import file_store
from lms.questions import cleanup, services
from lms.questions.models import QuestionImport
from tests.conftest import csrf_from
from tests.questions_support import AIKEN, user, word_with_pictures


def _preview(data=None, owner="gv.toan", fmt="docx"):
    record = services.preview_import(user(owner), fmt, data or word_with_pictures(), "hinh.docx", "toan", "6")
    db.session.commit()
    return record.id, cleanup.files_of(record)


def _kept(file_ids):
    """{file id: (row kept, bytes kept)}"""
    db.session.expire_all()
    answer = {}
    for file_id, sha256 in _digests.items():
        if file_id in file_ids:
            row = db.session.get(StoredFile, file_id)
            answer[file_id] = (row is not None, file_store().exists(sha256))
    return answer


_digests = {}


def _remember(file_ids):
    for row in db.session.scalars(db.select(StoredFile).where(StoredFile.id.in_(file_ids))):
        _digests[row.id] = row.sha256


def _cancel(client, import_id):
    return client.post(f"/questions/imports/{import_id}/cancel",
                       data={"csrf_token": csrf_from(client, "/account/password")})


def test_a_cancelled_preview_takes_the_files_only_it_kept(client, demo, login_as):
    data = word_with_pictures()
    first, files = _preview(data)
    second, same = _preview(data)  # the same file again: the same stored rows
    assert files == same and len(files) == 3  # two pictures and the .docx
    _remember(files)
    login_as("gv.toan2")
    assert _cancel(client, first).status_code == 404  # another teacher's preview
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account/password")})
    login_as("gv.toan")
    assert 'id="cancel-import"' in client.get(f"/questions/imports/{first}").get_data(as_text=True)
    response = _cancel(client, first)
    assert response.status_code == 302 and response.headers["Location"].endswith("/questions/import")
    assert db.session.get(QuestionImport, first) is None
    assert set(_kept(files).values()) == {(True, True)}  # the second preview still shows them
    assert _cancel(client, second).status_code == 302
    assert set(_kept(files).values()) == {(False, False)}  # rows and bytes gone


def test_files_a_question_or_a_confirmed_import_uses_stay(client, demo, login_as):
    data = word_with_pictures()
    confirmed, files = _preview(data)
    services.confirm_import(user("gv.toan"), db.session.get(QuestionImport, confirmed), {})
    db.session.commit()
    again, same = _preview(data)
    assert same == files
    _remember(files)
    login_as("gv.toan")
    assert _cancel(client, again).status_code == 302
    assert set(_kept(files).values()) == {(True, True)}  # the questions' texts and the set's file
    assert _cancel(client, confirmed).status_code == 302  # a confirmed import is not a preview
    assert db.session.get(QuestionImport, confirmed) is not None
    with pytest.raises(services.Conflict):
        services.discard_preview(user("gv.toan"), db.session.get(QuestionImport, confirmed))


def test_uploading_the_file_again_replaces_the_preview(client, demo, login_as):
    earlier, files = _preview()
    _remember(files)
    login_as("gv.toan")
    form = client.get(f"/questions/import?replace={earlier}").get_data(as_text=True)
    assert 'id="import-replaces"' in form and f'name="replace" type="hidden" value="{earlier}"' in form
    response = client.post("/questions/import", data={
        "csrf_token": csrf_from(client, "/questions/import"), "format": "aiken", "subject": "toan", "grade": "6",
        "replace": str(earlier), "file": (io.BytesIO(AIKEN.encode()), "de.txt")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.get(QuestionImport, earlier) is None
    assert set(_kept(files).values()) == {(False, False)}
    # Someone else's preview named as `replace` is left alone.
    other, other_files = _preview(owner="gv.toan2")
    client.post("/questions/import", data={
        "csrf_token": csrf_from(client, "/questions/import"), "format": "aiken", "subject": "toan", "grade": "6",
        "replace": str(other), "file": (io.BytesIO(AIKEN.encode()), "de.txt")},
        content_type="multipart/form-data")
    assert db.session.get(QuestionImport, other) is not None


def test_previews_unconfirmed_for_a_day_are_swept_by_the_periodic_job(demo):
    from lms.questions import jobs

    stale, files = _preview()
    fresh, _fresh_files = _preview(AIKEN.encode(), fmt="aiken")
    _remember(files)
    db.session.execute(db.update(QuestionImport).where(QuestionImport.id == stale)
                       .values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert cleanup.sweep_previews(now=utcnow() - timedelta(hours=2)) == 0  # not a day old yet then
    jobs.sweep_stale_previews()
    db.session.expire_all()
    assert db.session.get(QuestionImport, stale) is None and db.session.get(QuestionImport, fresh) is not None
    assert set(_kept(files).values()) == {(False, False)}


def test_an_api_dry_run_keeps_no_file(client, demo):
    import hashlib

    from tests.conftest import api_token, bearer

    data = word_with_pictures()
    response = client.post("/api/v1/questions/import", headers=bearer(api_token(client, "gv.toan")), data={
        "file": (io.BytesIO(data), "hinh.docx"), "format": "docx", "subject": "toan", "grade": "6",
        "dry_run": "true"}, content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_json()["questions"]
    assert not file_store().exists(hashlib.sha256(data).hexdigest())
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 0
