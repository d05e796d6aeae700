import re

import pytest

from lms.core.text import fold
from lms.schools.reference import SUBJECTS
from tests.conftest import api_token, bearer


def test_subjects(client, demo):
    subjects = client.get("/api/v1/subjects", headers=bearer(api_token(client, "hs.6a1.01"))).get_json()
    assert [s["code"] for s in subjects] == [code for code, _, _ in SUBJECTS]
    toan = next(s for s in subjects if s["code"] == "toan")
    assert toan == {"code": "toan", "name_vi": "Toán", "name_en": "Mathematics", "grades": [6, 7, 8]}
    assert any(s["name_vi"] == "Hoạt động trải nghiệm – hướng nghiệp" for s in subjects)


def test_every_api_route_is_declared_through_api_route(app):
    """A route added to the blueprint any other way has no OpenAPI metadata and fails here."""
    undeclared = [rule.rule for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("api.") and not hasattr(app.view_functions[rule.endpoint], "openapi")]
    assert undeclared == []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            meta = app.view_functions[rule.endpoint].openapi
            assert meta["summary"], f"{rule.rule}: no docstring to describe it"


# The calls of ../shared/API.md that exist today: the document must describe each of them.
API_MD_CALLS = [
    ("post", "/api/v1/auth/token"), ("delete", "/api/v1/auth/token"), ("get", "/api/v1/me"),
    ("get", "/api/v1/subjects"), ("get", "/api/v1/topics"), ("post", "/api/v1/materials"),
    ("get", "/api/v1/materials/{material_id}"), ("patch", "/api/v1/materials/{material_id}"),
    ("post", "/api/v1/materials/{material_id}/versions"), ("post", "/api/v1/materials/{material_id}/submit"),
    ("post", "/api/v1/materials/{material_id}/withdraw"), ("get", "/api/v1/reviews/queue"),
    ("post", "/api/v1/materials/{material_id}/claim"), ("post", "/api/v1/materials/{material_id}/review"),
    ("get", "/api/v1/materials/{material_id}/history"), ("get", "/api/v1/review-criteria"),
]


def test_openapi_describes_the_api_md_calls(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    def shape(path):  # parameter names are free; their places are not
        return re.sub(r"\{[^}]+\}", "{}", path)

    documented = {(method, shape(path)) for path, ops in doc["paths"].items() for method in ops}
    missing = [call for call in API_MD_CALLS if (call[0], shape(call[1])) not in documented]
    assert missing == []
    assert doc["paths"]["/api/v1/auth/token"]["post"]["security"] == []


def test_topics(client, demo):
    token = api_token(client, "gv.toan")
    toan6 = client.get("/api/v1/topics?subject=toan&grade=6", headers=bearer(token)).get_json()
    assert toan6 and all(t["subject"] == "toan" and t["grade"] == 6 for t in toan6)
    assert [t["order"] for t in toan6] == sorted(t["order"] for t in toan6)  # catalogue order
    assert set(toan6[0]) == {"id", "subject", "grade", "order", "chapter", "lesson"}
    # With or without diacritics, any case: the same lessons.
    accented = client.get("/api/v1/topics?subject=toan&q=Phân số", headers=bearer(token)).get_json()
    folded = client.get("/api/v1/topics?subject=toan&q=PHAN SO", headers=bearer(token)).get_json()
    assert accented and accented == folded
    assert all("phan" in fold(t["chapter"] + " " + t["lesson"]) and "so" in fold(t["chapter"] + " " + t["lesson"])
               for t in accented)
    assert any("phân số" in (t["chapter"] + " " + t["lesson"]).lower() for t in accented)
    everything = client.get("/api/v1/topics", headers=bearer(token)).get_json()
    assert len(everything) > len(toan6) and {t["subject"] for t in everything} >= {"toan", "khtn"}
    # A topic id from here is what a material's `topic` accepts.
    assert client.get("/api/v1/topics?subject=toan&q=%25", headers=bearer(token)).get_json() == []


@pytest.mark.parametrize("query, field", [("subject=latin", "subject"), ("subject=toan&grade=9", "grade"),
                                          ("grade=x", "grade")])
def test_topics_refuse_unknown_filters(client, demo, query, field):
    response = client.get(f"/api/v1/topics?{query}", headers=bearer(api_token(client, "gv.toan")))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize("query, field", [("page=922337203685477580", "page"), ("page=0", "page"),
                                          ("page=abc", "page"), ("per_page=-1", "per_page"),
                                          ("per_page=99999999999999999999", "per_page")])
def test_list_paging_out_of_range_is_422(client, demo, query, field):
    response = client.get(f"/api/v1/materials?{query}", headers=bearer(api_token(client, "hs.6a1.01")))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_library_page_out_of_range_is_422_not_500(client, demo, login_as):
    login_as("hs.6a1.01")
    assert client.get("/materials/?page=922337203685477580").status_code == 422
    assert client.get("/materials/?page=2").status_code == 200


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


def test_405_says_which_methods_are_allowed(client, demo, login_as):
    api = client.put("/api/v1/me", headers=bearer(api_token(client, "gv.toan")))
    assert api.status_code == 405
    assert set(api.headers["Allow"].split(", ")) >= {"GET"}
    assert api.get_json()["error"]["code"] == "method_not_allowed"
    page = login_as("gv.toan").put("/materials/")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


@pytest.mark.parametrize("query, field", [("subject=latin", "subject"), ("grade=12", "grade"),
                                          ("kind=poster", "kind"), ("school=99999999999999999999", "school"),
                                          ("sort=random", "sort")])
def test_unknown_library_filters_are_422_in_the_api(client, demo, login_as, query, field):
    response = client.get(f"/api/v1/materials?{query}", headers=bearer(api_token(client, "hs.6a1.01")))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]
    # The page keeps opening old bookmarks: it ignores what it does not know.
    assert login_as("hs.6a1.01").get(f"/materials/?{query}").status_code == 200


def test_openapi_declares_query_parameters_and_bodies(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    listing = doc["paths"]["/api/v1/materials"]["get"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert {"subject", "grade", "kind", "series", "school", "q", "sort", "page", "per_page"} <= set(params)
    assert "video" in params["kind"]["enum"] and "toan" in params["subject"]["enum"]
    upload = doc["paths"]["/api/v1/materials"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["properties"]["file"]["format"] == "binary"
    assert {"file", "title", "subject", "grade", "kind", "license", "rights_confirmed"} <= set(upload["required"])
    assert "cc_by" in upload["properties"]["license"]["enum"]
    review = next(ops["post"] for path, ops in doc["paths"].items() if path.endswith("/review"))
    body = review["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert body["decision"]["enum"] == ["approve", "request_changes", "reject"]
