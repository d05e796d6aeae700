"""Every page of every demo role fits a phone: at 390×844 the document is never wider than the
viewport (tables stack or scroll inside their own box; the page itself never scrolls sideways).

The pages come from the app's URL map: every GET route without arguments, and every route with
arguments filled with the ids of seeded items (a material in each workflow state, one with a second
version under review, a class, a group, a school, a topic, users, a criterion, a student import).
A route whose arguments the walk cannot fill fails the test, so a new page is walked from the day
it is added. One browser, one context per role.
"""

import pytest

from lms.extensions import db
from lms.review.models import ReviewCriterion
from lms.schools.models import Classroom, School, StudentImport, SubjectGroup, Topic
from tests.e2e.conftest import _page
from tests.materials_support import make_material, material_ids_by_state, pdf_bytes, stored, user

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
ROLES = ("admin", "reviewer.toan", "bgh.thcs01", "gv.toan", "hs.6a1.01", "ph.6a1.01")
# Routes that answer with a file or a redirect, not a page.
NOT_PAGES = {
    "static", "home.healthz", "materials.file", "materials.download", "materials.image",
    "materials.thumbnail", "materials.package_member", "schools.student_import_passwords",
    "assignments.submission_file", "assignments.submission_image", "assignments.submission_thumbnail",
    "reports.export", "reports.year_end", "reports.evidence", "reports.indicator_file_download",
    "questions.question_image", "questions.import_image", "questions.import_file",
    "assignments.gradebook_export",
}
LONG_TITLE = ("Phiếu học tập: Phân số và số thập phân — ôn tập chương II, bài 5 đến bài 9 "
              "(Kết nối tri thức với cuộc sống)")

# The widest elements, to say what overflows rather than only that something does.
OVERFLOW_JS = """(width) => {
  // The innermost elements reaching past the phone's width: what makes the page wide.
  const past = new Set([...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1;
  }));
  const wide = [...past].filter(el => ![...el.children].some(child => past.has(child))).map(el => {
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.classList.length ? '.' + [...el.classList].slice(0, 3).join('.') : '');
    return name + ' → ' + Math.round(el.getBoundingClientRect().right) + 'px';
  });
  return {scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 6), at: location.pathname,
          state: document.readyState, viewport: document.documentElement.clientWidth};
}"""


def seed_walk_content(app=None):
    """A material in every workflow state (long titles, as teachers write them), an approved one
    with a second version under review, a finished student import, and a question in every state
    once the question bank has pages; returns {argument: [values]}."""
    ids = material_ids_by_state("gv.toan")
    two_versions = make_material("approved", title=LONG_TITLE)
    from lms.materials import services as material_services
    from lms.review import services as review_services

    material_services.add_version(two_versions, user("gv.toan"),
                                  stored(pdf_bytes("Phiên bản hai có thêm bài tập"), "phieu-hoc-tap-ban-2.pdf"),
                                  "Thêm bài tập vận dụng và sửa lỗi chính tả ở trang 3")
    review_services.submit(two_versions, user("gv.toan"))
    review_services.claim(two_versions, user("reviewer.toan"))
    school = db.session.scalar(db.select(School).where(School.code == "THCS01"))
    bgh = user("bgh.thcs01")
    record = StudentImport(school_id=school.id, actor_id=bgh.id, state="done", filename="danh-sach-6a1.xlsx",
                           counts={"created": 30, "updated": 0, "classes_created": ["6A3"]})
    db.session.add(record)
    db.session.commit()
    classroom = db.session.scalar(db.select(Classroom).where(Classroom.school_id == school.id,
                                                             Classroom.name == "6A1"))
    groups = db.session.scalars(db.select(SubjectGroup.id)).all()
    questions = []
    if app is not None and any("question_id" in rule.arguments for rule in app.url_map.iter_rules()):
        from tests.materials_support import STATES
        from tests.questions_support import make_question

        questions = [make_question(state, stem=f"Trong các phân số sau, phân số nào lớn nhất? ({state})").id
                     for state in STATES]
        db.session.commit()
    values = {
        "question_id": questions,
        "material_id": [*ids.values(), two_versions.id],
        "item_type": ["material"],
        "item_id": [ids["in_review"]],
        "number": [1],
        "classroom_id": [classroom.id],
        "group_id": groups,
        "school_id": [school.id],
        "topic_id": [db.session.scalar(db.select(Topic.id).order_by(Topic.id))],
        "user_id": [user("gv.toan").id, user("hs.6a1.01").id],
        "criterion_id": [db.session.scalar(db.select(ReviewCriterion.id).order_by(ReviewCriterion.id))],
        "import_id": [record.id],
        "student_id": [user("hs.6a1.01").id],  # the parents' pages: ph.6a1.01's child
    }
    if app is not None and "assignments.grade_submission" in app.view_functions:
        from tests.assignments_work_support import walk_values

        for name, found in walk_values().items():  # homework: handed-in work, questions, grading
            values[name] = [*values.get(name, []), *found]
    if app is not None and "assignments.attempt" in app.view_functions:
        from tests.assignment_pages_support import walk_values as page_values

        for name, found in page_values().items():  # homework: the quiz, its result, a material to read
            values[name] = [*values.get(name, []), *found]
    return values


def page_urls(app, values):
    """Every page of the URL map, arguments filled from `values`."""
    import itertools

    urls, unfilled = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api/"):
            continue
        names = sorted(rule.arguments)
        if any(not values.get(name) for name in names):
            unfilled.append(rule.rule)
            continue
        for combo in itertools.product(*(values[name] for name in names)):
            with app.test_request_context():
                from flask import url_for

                urls.append(url_for(rule.endpoint, **dict(zip(names, combo, strict=True))))
    assert not unfilled, f"the walk cannot fill the arguments of {unfilled}: add their seeded ids"
    return urls


def test_every_page_of_every_role_fits_a_390px_phone(browser, live_server, app, sign_in):
    values = seed_walk_content(app)
    urls = page_urls(app, values)
    too_wide, walked = [], {}

    def check(page, who, url):
        response = page.goto(url)
        measured = page.evaluate(OVERFLOW_JS, PHONE["width"])
        if measured["scroll"] > PHONE["width"]:
            too_wide.append(f"{who} {url}: {measured['scroll']} px ({'; '.join(measured['wide'])}) "
                            f"[{measured['at']}, {measured['state']}, layout width {measured['viewport']}]")
        return response.status if response else None

    context, page, problems = _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    for url in ("/login", "/no-such-page"):
        check(page, "anonymous", url)
    context.close()
    for username in ROLES:
        context, page, role_problems = _page(browser, live_server, viewport=PHONE, is_mobile=True,
                                             has_touch=True)
        sign_in(page, username)
        walked[username] = sum(check(page, username, url) == 200 for url in urls)
        context.close()
        problems += role_problems

    assert not too_wide, "wider than a 390 px phone:\n" + "\n".join(too_wide)
    assert not problems, "\n".join(problems)
    # The walk really saw each role's pages (a sign-in that failed would see none).
    assert walked["admin"] >= 25 and walked["bgh.thcs01"] >= 15, walked
    assert walked["gv.toan"] >= 12 and walked["reviewer.toan"] >= 10 and walked["hs.6a1.01"] >= 3, walked
