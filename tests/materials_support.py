"""Builders shared by the materials tests and the permission matrix (no tests here).

Real files come from tests/unit/conftest.py's `Make`; materials are walked through the real
services into the state a test needs.
"""

import io
from pathlib import Path

from lms.accounts.models import User
from lms.extensions import db
from lms.files import services as files_services
from lms.files import uploads
from lms.materials import services
from lms.materials.models import Material
from lms.review import services as review_services
from tests.files import Make  # noqa: F401  (re-exported for the builders' users)

STATES = ("draft", "submitted", "in_review", "approved", "changes_requested", "rejected", "withdrawn")


def user(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def pdf_bytes(text="Phân số và số thập phân", tmp=None):
    """A real PDF with a text layer (distinct text gives distinct bytes)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Make(Path(tmp or folder)).pdf(f"p{abs(hash(text))}.pdf", text)
        return path.read_bytes()


def stored(data, filename):
    """Put bytes in the file store as an upload would, and return the services' Upload."""
    blob = uploads.file_store().save_stream(io.BytesIO(data), 10 * 1024 * 1024 * 1024)
    return files_services.Upload(blob, filename)


def metadata(**overrides):
    data = {"title": "Phân số", "subject": "toan", "grade": "6", "kind": "worksheet", "license": "cc_by",
            "series": "ket_noi", "uploader_is_author": "1", "rights_confirmed": "1",
            "description": "<p>Phiếu học tập</p>"}
    data.update(overrides)
    return data


def approve(material, reviewer="reviewer.toan"):
    from lms.review.queries import criteria

    review_services.decide(material, user(reviewer), "approve", "Đạt yêu cầu.",
                           {c.code: 3 for c in criteria()})


def walk(material, state, owner="gv.toan", reviewer="reviewer.toan"):
    """Move a draft material to `state` through the real workflow."""
    if state == "draft":
        return material
    review_services.submit(material, user(owner))
    if state == "submitted":
        return material
    review_services.claim(material, user(reviewer))
    if state == "in_review":
        return material
    if state in ("approved", "withdrawn"):
        approve(material, reviewer)
        if state == "withdrawn":
            review_services.withdraw(material, user(owner), "Gỡ xuống")
        return material
    decision = "request_changes" if state == "changes_requested" else "reject"
    review_services.decide(material, user(reviewer), decision, "Thiếu nguồn ảnh.", reason_code="licensing")
    return material


def make_material(state="draft", owner="gv.toan", data=None, filename="phieu.pdf", reviewer=None, **meta):
    """A material of `owner` in `state`, flushed (the caller commits); reviewed by the demo
    reviewer of its subject."""
    review_services.ensure_default_criteria()
    title = meta.get("title", "Phân số")
    upload = stored(data if data is not None else pdf_bytes(f"{title} {state} {owner}"), filename)
    material = services.create_material(user(owner), metadata(**meta), upload)
    reviewer = reviewer or ("reviewer.khtn" if meta.get("subject") == "khtn" else "reviewer.toan")
    return walk(material, state, owner, reviewer)


def material_ids_by_state(owner="gv.toan"):
    """One committed material of `owner` per workflow state: {state: id}."""
    ids = {}
    for state in STATES:
        ids[state] = make_material(state, owner, title=f"Học liệu {state}").id
    db.session.commit()
    return ids


def multipart(fields, files=()):
    """A multipart/form-data body built in memory: (bytes, content type). The test client's own
    encoder spools bodies over 500 KB to a temporary file it never closes (a ResourceWarning)."""
    boundary = "----hoclieu-test-boundary"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + str(value).encode() + b"\r\n")
    for name, (data, filename) in dict(files).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def reload(material_id):
    db.session.expire_all()
    return db.session.get(Material, material_id)
