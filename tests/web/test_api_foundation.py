from lms.schools.reference import SUBJECTS
from tests.conftest import api_token, bearer


def test_subjects(client, demo):
    subjects = client.get("/api/v1/subjects", headers=bearer(api_token(client, "hs.6a1.01"))).get_json()
    assert [s["code"] for s in subjects] == [code for code, _, _ in SUBJECTS]
    toan = next(s for s in subjects if s["code"] == "toan")
    assert toan == {"code": "toan", "name_vi": "Toán", "name_en": "Mathematics", "grades": [6, 7, 8]}
    assert any(s["name_vi"] == "Hoạt động trải nghiệm – hướng nghiệp" for s in subjects)


def test_openapi_lists_every_api_route(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} missing from openapi.json"
    assert doc["paths"]["/api/v1/auth/token"]["post"]["security"] == []


def test_errors_have_the_api_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message", "details"}
    assert response.get_json()["error"]["code"] == "not_found"


def test_json_body_is_nfc_normalised(app, client, demo):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "gv.toan")  # ASCII: same; use a Vietnamese password
    assert decomposed == "gv.toan"
    from lms.accounts import services
    from lms.extensions import db

    user = services.create_user("hs.nfd", unicodedata.normalize("NFD", "Nguyễn Thị Ánh"), "parent",
                                "mật khẩu dài")
    db.session.commit()
    assert user.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Ánh")
    response = client.post("/api/v1/auth/token", json={
        "username": "hs.nfd", "password": unicodedata.normalize("NFD", "mật khẩu dài")})
    assert response.status_code == 200
