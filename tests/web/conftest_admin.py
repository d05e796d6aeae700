"""Helpers and fixtures for the administration pages and the student import (import them)."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import csrf_from

STUDENT_HEADERS = ["STT", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính", "Lớp học", "Khối học",
                   "Dân tộc"]


def form_post(client, url, data=None, **kwargs):
    """POST a form with the session's CSRF token, as the browser would."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_from(client, "/account/password"))
    return client.post(url, data=data, **kwargs)


def upload(client, url, content, filename, field="file"):
    return form_post(client, url, {field: (io.BytesIO(content), filename)},
                     content_type="multipart/form-data")


def student_rows(*rows):
    """Rows of the city's export: (identifier, name, birth date, gender, class, grade)."""
    return [[n, *row, "Kinh"] for n, row in enumerate(rows, start=1)]


def xlsx_bytes(tmp_path, rows, headers=STUDENT_HEADERS, name="danh-sach.xlsx"):
    """An XLSX written by openpyxl to tmp_path (the file is kept for the CLI), returned as bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path.read_bytes()


def read_xlsx(data):
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def user_named(username):
    return db.session.scalar(db.select(User).where(User.username == username))


@pytest.fixture
def district_admin(demo, login_as):
    return login_as("admin")


@pytest.fixture
def school_admin(demo, login_as):
    return login_as("bgh.thcs01")
