"""Bad input never reaches a 500 (issue 7.4): ids beyond an Integer column (PostgreSQL's is 32 bits),
numbers out of range, JSON nested too deep or holding lone surrogates, and control characters in
text and file names."""

import re

import pytest
from werkzeug.routing import IntegerConverter

from lms.extensions import db
from lms.materials.models import Material
from tests.conftest import api_token, bearer
from tests.materials_support import make_material, metadata, multipart, pdf_bytes, reload

HUGE = 2**64
PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@pytest.fixture
def admin_client(app, demo, criteria, login_as):
    client = login_as("admin")
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(api_token(app.test_client(), "admin"))["Authorization"]
    return client


@pytest.fixture
def teacher(app, demo, criteria):
    return bearer(api_token(app.test_client(), "gv.toan"))


def int_routes(app):
    """Every rule with an integer argument, as (rule, methods)."""
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            yield rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def url_with(rule, number):
    def fill(match):
        return str(number) if isinstance(rule._converters[match.group(2)], IntegerConverter) else "material"

    return PARAM.sub(fill, rule.rule)


@pytest.mark.parametrize("number", [HUGE, 2**63, 2**31, "9" * 5000], ids=["2^64", "2^63", "2^31", "5000 digits"])
def test_every_route_with_an_id_answers_404_to_ids_beyond_any_database_integer(app, admin_client, number):
    routes = list(int_routes(app))
    assert len(routes) > 30  # materials, the API, the admin pages, the review engine
    wrong = []
    for rule, methods in routes:
        url = url_with(rule, number)
        for method in methods:
            status = admin_client.open(url, method=method).status_code
            if status != 404:
                wrong.append(f"{method} {rule.rule}: {status}")
    assert not wrong, wrong


def test_the_largest_id_is_still_an_id(app, admin_client):
    # 2**31 - 1 fits an Integer column in SQLite and PostgreSQL: routed, looked up, not found.
    assert admin_client.get(f"/api/v1/materials/{2**31 - 1}").status_code == 404
    assert admin_client.get(f"/materials/{2**31 - 1}/edit").status_code == 404


def test_the_reported_urls(app, admin_client):
    reply = admin_client.get("/api/v1/materials/10885937861567775347165888512")
    assert reply.status_code == 404 and reply.get_json()["error"]["code"] == "not_found"
    assert admin_client.get(f"/materials/{HUGE}/edit").status_code == 404
    assert admin_client.get(f"/admin/users/{HUGE}/edit").status_code == 404


def test_a_school_filter_out_of_range(app, admin_client):
    reply = admin_client.get("/api/v1/materials?school=99999999999999999999")
    assert reply.status_code == 422 and "school" in reply.get_json()["error"]["details"]
    assert admin_client.get("/materials/?school=99999999999999999999").status_code in (200, 422)


def test_query_and_form_numbers_out_of_range_read_as_not_given(app, admin_client):
    from flask import request

    with app.test_request_context(f"/x?a={HUGE}&b=12&c=-{HUGE}&d=99999999999999999999999999999"):
        assert request.args.get("a", type=int) is None and request.args.get("b", type=int) == 12
        assert request.args.get("c", 7, type=int) == 7 and request.args.get("d", type=int) is None
        assert request.args.getlist("b", type=int) == [12]
    material = make_material("in_review")
    db.session.commit()
    # The overview's reassignment form with a reviewer id no database holds: refused, not a crash.
    reply = admin_client.post(f"/reviews/items/material/{material.id}/reassign",
                              data={"reviewer_id": str(HUGE), "csrf_token": _csrf(admin_client)})
    assert reply.status_code == 302
    assert reload(material.id).claimed_by.username == "reviewer.toan"


def _csrf(client):
    from tests.conftest import csrf_from

    return csrf_from(client, "/reviews/overview")


# --- PATCH /api/v1/materials/{id} with hostile JSON ---------------------------------------------

@pytest.fixture
def draft(app, demo, criteria):
    material = make_material("draft")
    db.session.commit()
    return material.id


def patch(client, material_id, headers, raw):
    return client.patch(f"/api/v1/materials/{material_id}", data=raw, content_type="application/json",
                        headers=headers)


@pytest.mark.parametrize("topic", ["1e20", "1.5e300", "99999999999999999999", '"99999999999999999999"',
                                   str(2**63), str(2**31), "-1", "1.5", "true", "[1]"])
def test_a_topic_out_of_range_is_422_naming_topic(app, client, draft, teacher, topic):
    reply = patch(client, draft, teacher, '{"topic": ' + topic + '}')
    assert reply.status_code == 422, reply.get_json()
    assert "topic" in reply.get_json()["error"]["details"]
    assert reload(draft).topic_id is None


@pytest.mark.parametrize("raw", ['{"title": "\\ud800"}', '{"title": "a\\udfffb"}', '{"\\ud800": 1}',
                                 '{"topic": NaN}', '{"topic": Infinity}', '{"topic": 1e999}'])
def test_a_lone_surrogate_or_a_non_finite_number_is_400(app, client, draft, teacher, raw):
    reply = patch(client, draft, teacher, raw)
    assert reply.status_code == 400
    error = reply.get_json()["error"]
    assert error["code"] == "invalid_json" and error["message"]
    assert reload(draft).title == "Phân số"


@pytest.mark.parametrize("depth", [5000, 100_000, 65])
def test_json_nested_too_deep_is_400(app, client, draft, teacher, depth):
    for raw in ('{"title": ' + "[" * depth + "]" * depth + "}", '{"a": ' * depth + "1" + "}" * depth):
        reply = patch(client, draft, teacher, raw)
        assert reply.status_code == 400, reply.get_data(as_text=True)[:300]
        assert reply.get_json()["error"]["code"] == "invalid_json"
    # A body within the limit is read as usual.
    assert patch(client, draft, teacher, '{"title": "Phân số (ôn tập)"}').status_code == 200


def test_deep_json_on_every_json_endpoint(app, client, demo, teacher):
    deep = '{"a": ' * 5000 + "1" + "}" * 5000
    for url in ("/api/v1/auth/token", "/api/v1/materials/1/review", "/api/v1/materials/1/submit"):
        reply = client.post(url, data=deep, content_type="application/json", headers=teacher)
        assert reply.status_code in (400, 404), (url, reply.status_code)
        assert reply.get_json()["error"]["code"] in ("invalid_json", "not_found")


# --- control characters --------------------------------------------------------------------------

def test_a_title_with_control_characters_is_stored_without_them(app, client, draft, teacher):
    reply = patch(client, draft, teacher, '{"title": "Ph\\u0000ân s\\u001bố\\u0085", "source": "a\\u0007b"}')
    assert reply.status_code == 200, reply.get_json()
    material = reload(draft)
    assert material.title == "Phân số" and material.source == "ab"


def test_a_file_name_with_nul_is_stored_without_it_and_downloads(app, client, demo, criteria, teacher):
    body, content_type = multipart(metadata(title="Tên\x00 tệp"), {"file": (pdf_bytes("NUL"), "phi\x00eu\x01.pdf")})
    created = client.post("/api/v1/materials", data=body, content_type=content_type, headers=teacher)
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["title"] == "Tên tệp" and item["file"]["name"] == "phieu.pdf"
    material = db.session.get(Material, item["id"])
    assert material.versions[0].file_name == "phieu.pdf"
    assert material.versions[0].stored_file.original_name == "phieu.pdf"
    download = client.get(f"/api/v1/materials/{item['id']}/versions/1/file", headers=teacher)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "\x00" not in download.headers.get("Content-Disposition", "")


def test_web_forms_and_query_strings_drop_control_characters(app, login_as, demo, criteria):
    from tests.conftest import csrf_from

    material = make_material("draft")
    db.session.commit()
    client = login_as("gv.toan")
    form = metadata(title="Bài\x00 tập\x1f", description="<p>Dòng một\r\nDòng hai\x0b</p>",
                    csrf_token=csrf_from(client, f"/materials/{material.id}/edit"))
    reply = client.post(f"/materials/{material.id}/edit", data=form)
    assert reply.status_code == 302, reply.get_data(as_text=True)[:500]
    material = reload(material.id)
    assert material.title == "Bài tập" and "\r" not in material.description and "\x0b" not in material.description
    assert client.get("/materials/?q=ph%00%C3%A2n").status_code == 200
