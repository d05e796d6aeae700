"""HTML5 packages (issue 7, point 8): links that live for a page view, a policy that allows only the
package's own files and no outside connection, and an optional separate content hostname."""

import io
import re
import time
import zipfile

import pytest
from itsdangerous import TimestampSigner

from lms.extensions import db
from lms.materials.models import Material
from tests.conftest import base_config
from tests.materials_support import make_material

CONTENT = "http://noidung.hoclieu.test"


def html5_zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


PACKAGE = html5_zip({
    "sim/index.html": "<!doctype html><script src='app.js'></script>",
    "sim/app.js": "fetch('https://tracker.example/beacon');",
})


@pytest.fixture
def package(app, demo, criteria):
    material = make_material("approved", data=PACKAGE, filename="mo-phong.zip", kind="html5")
    db.session.commit()
    return db.session.get(Material, material.id)


def iframe_src(client, material):
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    return re.search(r'<iframe id="preview-package" sandbox="allow-scripts" src="([^"]+)"', page).group(1)


def test_members_may_load_only_the_packages_own_files(package, login_as, app):
    client = login_as("hs.6a1.01")
    src = iframe_src(client, package)
    response = app.test_client().get(src, buffered=True)
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) if " " in part.strip() else (part.strip(), "")
                  for part in response.headers["Content-Security-Policy"].split(";"))
    base = "http://localhost" + src.rsplit("/", 2)[0] + "/"
    assert "allow-scripts" in policy["sandbox"]
    for directive in ("default-src", "connect-src", "script-src", "img-src", "frame-src"):
        sources = policy[directive].split()
        assert base in sources, directive
        assert not any(s in ("*", "https:", "http:") or s.startswith("https://tracker") for s in sources)
    assert policy["form-action"] == "'none'"


def test_a_link_lives_for_a_page_view_not_half_a_day(package, login_as, app, monkeypatch):
    from lms.accounts.models import User
    from lms.materials import serving

    client = login_as("hs.6a1.01")
    fresh_src = iframe_src(client, package)
    assert app.test_client().get(fresh_src, buffered=True).status_code == 200
    student = db.session.scalar(db.select(User).where(User.username == "hs.6a1.01"))
    with app.test_request_context():
        # The same link, handed out two hours ago (the old links lasted twelve).
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 2 * 3600)
        old_token = serving.package_token(package.latest_version, student)
        monkeypatch.undo()
    old_src = f"/materials/package/{old_token}/sim/index.html"
    assert app.test_client().get(old_src, buffered=True).status_code == 404
    assert app.config["PACKAGE_LINK_MINUTES"] <= 120


class TestContentOrigin:
    @pytest.fixture
    def app_config(self, tmp_path, database_url):
        return {**base_config(tmp_path, database_url), "CONTENT_ORIGIN": CONTENT}

    def test_packages_are_served_from_the_content_hostname_only(self, package, login_as, app):
        client = login_as("hs.6a1.01")
        page = client.get(f"/materials/{package.id}")
        assert f"frame-src 'self' {CONTENT}" in page.headers["Content-Security-Policy"]
        src = iframe_src(client, package)
        assert src.startswith(CONTENT + "/materials/package/")
        path = src[len(CONTENT):]
        on_content = app.test_client().get(path, base_url=CONTENT, buffered=True)
        assert on_content.status_code == 200
        assert f"default-src {CONTENT}/materials/package/" in on_content.headers["Content-Security-Policy"]
        # Not at the application's hostname, and nothing of the application at the content one.
        assert app.test_client().get(path, buffered=True).status_code == 404
        assert app.test_client().get("/login", base_url=CONTENT).status_code == 404
        assert app.test_client().get("/login").status_code == 200
