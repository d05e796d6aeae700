"""Messages raised by services follow the user's language; Vietnamese stays the default."""

from tests.conftest import csrf_from
from tests.web.conftest_admin import form_post, student_rows, upload, xlsx_bytes

IMPORT_URL = "/admin/students/import"


def switch_to_english(client):
    response = form_post(client, "/lang", {"lang": "en"})
    assert response.status_code in (200, 302)


def test_api_wrong_password_in_english(client, demo):
    response = client.post("/api/v1/auth/token", json={"username": "gv.toan", "password": "wrong-one"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "Incorrect username or password."


def test_api_wrong_password_in_vietnamese_by_default(client, demo):
    response = client.post("/api/v1/auth/token", json={"username": "gv.toan", "password": "wrong-one"})
    assert response.get_json()["error"]["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_short_password_flash_in_english(client, demo, login_as):
    login_as("gv.van")
    switch_to_english(client)
    token = csrf_from(client, "/account/password")
    short = client.post("/account/password", data={"csrf_token": token, "current_password": "hoclieu-demo",
                                                   "new_password": "short", "confirm": "short"})
    html = short.get_data(as_text=True)
    assert "at least 8 characters" in html
    assert "ít nhất 8 ký tự" not in html


def test_student_import_row_errors_in_english(app, demo, login_as, tmp_path):
    client = login_as("bgh.thcs01")
    switch_to_english(client)
    rows = student_rows(
        ("790000001", "Thiếu Số", "05/09/2013", "Nam", "6A1", 6),    # line 2: 9 digits
        ("7900000007", "Sai Giới", "05/09/2013", "X", "6A1", 6),     # line 3: gender
    )
    page = upload(client, IMPORT_URL, xlsx_bytes(tmp_path, rows), "danh-sach.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "must have exactly 10 digits" in html
    assert "must be Nam or Nữ" in html
    assert "phải là Nam hoặc Nữ" not in html


def test_cli_messages_stay_vietnamese(app, runner):
    result = runner.invoke(args=["lms", "create-user", "--role", "district_admin", "--password", "abc",
                                 "thu.cli"])
    assert result.exit_code != 0
    assert "Mật khẩu phải có ít nhất 8 ký tự." in result.output
