"""The frame every page pays for (issue 8): base.html's header is kept per process for everyone
with the same navigation, language and page (home/navigation.py), with the reader's own values
written in per request; the bell's unread count is read with the signed-in user by the session
look-up (accounts.services.SESSION_FACTS), so a kept page costs one statement. These tests show
that nothing of one reader, or of a moment, is kept for the next: a new notification shows at once
and only for its reader, names, schools, CSRF tokens and paths are each request's own, the active
page is marked on each page.
"""

import html
import re

import pytest

from lms.accounts import services as account_services
from lms.core.cache import memo
from lms.extensions import db
from lms.review import queries as review_queries
from lms.review import services as review_services
from tests.conftest import csrf_from, login
from tests.materials_support import user
from tests.query_budget import budget, count_queries

USERS = "/admin/users"


@pytest.fixture
def world(app, demo):
    return demo


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def page_of(client, url):
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return answer.get_data(as_text=True)


def bell(page):
    """The bell's number (0 when it shows none)."""
    found = re.search(r'id="unread-count">\s*(\d+)\s*<', page)
    return int(found.group(1)) if found else 0


def header(page):
    return page[page.index("<nav"):page.index("</nav>")]


def test_a_new_notification_shows_at_once_and_only_for_its_reader(app, world):
    teacher, other = signed_in(app, "gv.toan"), signed_in(app, "gv.van")
    before, other_before = bell(page_of(teacher, "/materials/mine")), bell(page_of(other, "/materials/mine"))
    # A kept page costs one statement: the session's user, with the bell's count in it.
    counted = budget(teacher, "/materials/mine")
    assert len(counted) == 1, counted.report()

    review_services.notify(user("gv.toan"), "Một thông báo mới")
    db.session.commit()
    counted = budget(teacher, "/materials/mine")
    assert len(counted) == 1, counted.report()
    assert bell(page_of(teacher, "/materials/mine")) == before + 1
    assert bell(page_of(other, "/materials/mine")) == other_before

    token = csrf_from(teacher, "/materials/mine")
    assert teacher.post("/reviews/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert bell(page_of(teacher, "/materials/mine")) == 0
    assert bell(page_of(other, "/materials/mine")) == other_before


def test_the_count_read_with_the_user_is_asked_again_after_the_request_writes(app, world):
    teacher = user("gv.toan")
    key = account_services.start_session(teacher)
    db.session.commit()
    start = review_queries.unread_count(teacher)
    db.session.commit()
    with app.app_context(), app.test_request_context("/"):
        reader = account_services.user_for_session(teacher.id, key)
        with count_queries() as counted:
            assert review_queries.unread_count(reader) == start
        assert counted == []  # read with the user
        review_services.notify(reader, "Thông báo trong cùng yêu cầu")
        db.session.flush()
        with count_queries() as counted:
            assert review_queries.unread_count(reader) == start + 1
        assert len(counted) == 1
        assert memo(("unread_notifications", reader.id), lambda: None) == start + 1
        db.session.rollback()


def test_the_kept_header_is_each_readers_own(app, world):
    first, second = signed_in(app, "hs.6a1.01"), signed_in(app, "hs.6a2.03")
    url = "/materials/?grade=6&q=<b>"
    one, two = header(page_of(first, url)), header(page_of(second, url))
    assert html.escape(user("hs.6a1.01").full_name) in one and html.escape(user("hs.6a2.03").full_name) in two
    assert html.escape(user("hs.6a1.01").full_name) not in two
    school = user("hs.6a1.01").school.name
    assert re.search(r'id="user-role">Học sinh · ' + re.escape(html.escape(school)) + "<", one)
    # The language switch comes back to this page, escaped; the search box is empty off the results.
    assert 'name="next" value="/materials/?grade=6&amp;q=%3Cb%3E"' in one or \
        'name="next" value="/materials/?grade=6&amp;q=&lt;b&gt;"' in one
    assert 'id="header-search-q" maxlength="200" size="8"' in one and 'value=""' in one

    # Each session's own CSRF token, which signs its own forms (the logout in the header).
    token_one = re.search(r'name="csrf_token" value="([^"]+)"', one).group(1)
    token_two = re.search(r'name="csrf_token" value="([^"]+)"', two).group(1)
    assert token_one != token_two
    assert second.post("/logout", data={"csrf_token": token_one}).status_code == 400
    assert 'id="user-menu"' in page_of(second, url)  # still signed in

    # A new name shows on the next page: the header keeps no name.
    pupil = user("hs.6a1.01")
    pupil.full_name = "Tên <Mới> Hẳn"
    db.session.commit()
    assert "Tên &lt;Mới&gt; Hẳn" in header(page_of(first, url))

    assert first.post("/logout", data={"csrf_token": token_one}).status_code == 302
    signed_out = header(page_of(first, "/login"))
    assert 'id="user-menu"' not in signed_out and 'href="/login"' in signed_out


def test_the_search_box_keeps_what_was_searched(app, world):
    reader = signed_in(app, "hs.6a1.01")
    page = header(page_of(reader, "/search?q=ph%C3%A2n+s%E1%BB%91+%26+%22x%22"))
    assert 'value="phân số &amp; &#34;x&#34;"' in page or 'value="phân số &amp; &quot;x&quot;"' in page


def test_navigation_marks_the_page_it_is_on_in_the_readers_language(app, world):
    teacher = signed_in(app, "gv.toan")
    mine = header(page_of(teacher, "/materials/mine"))
    assert 'class="nav-link active" href="/materials/mine"' in mine
    assert 'class="nav-link" href="/materials/upload"' in mine
    upload = header(page_of(teacher, "/materials/upload"))
    assert 'class="nav-link" href="/materials/mine"' in upload
    assert 'class="nav-link active" href="/materials/upload"' in upload
    assert "Quản trị" not in mine

    token = csrf_from(teacher, "/materials/mine")
    teacher.post("/lang", data={"lang": "en", "next": "/materials/mine", "csrf_token": token})
    english = header(page_of(teacher, "/materials/mine"))
    assert ">My materials<" in english and 'id="lang-vi"' in english
    assert re.search(r'id="user-role">Teacher\b', english)
    # Another teacher in Vietnamese still gets Vietnamese from the same kept entries.
    assert ">Học liệu của tôi<" in header(page_of(signed_in(app, "gv.van"), "/materials/mine"))

    admin = signed_in(app, "admin")
    home = header(page_of(admin, "/"))
    assert 'class="nav-link dropdown-toggle" href="#"' in home and ">Quản trị<" in home
    users = header(page_of(admin, USERS))
    assert 'class="nav-link dropdown-toggle active" href="#"' in users
    assert f'class="dropdown-item active" href="{USERS}"' in users
