"""Pictures in question lists (issue 10): a list shows a stem as one short line of plain text in
which each picture marker `![alt](file:ID)` is a small "[hình]" label ("[picture]" in English),
never the raw marker: the bank, my questions, an imported set, the review queue and the
assignment question picker all use questions.images.list_html / line (no query per row)."""

import re

from flask_babel import force_locale

from lms.extensions import db
from lms.questions import images, services
from lms.questions.models import QuestionImport
from lms.review import services as review_services
from tests.conftest import csrf_from
from tests.questions_support import fields, png, user, walk, word_with_pictures

RAW = re.compile(r"\]\(file:\d+\)")


def test_a_line_names_each_picture_and_never_shows_a_marker(app):
    with app.test_request_context("/"):
        assert images.line("Hình bên ![tam giác](file:12) có\n\nmấy cạnh?") == "Hình bên [hình] có mấy cạnh?"
        assert images.line("![](file:3)![](file:4)") == "[hình][hình]"
        assert images.line("a" * 300, limit=10) == "a" * 9 + "…"
        assert images.line("abc ![x](file:12) def", limit=8) == "abc …"  # no half label
        # A summary stored cut inside a marker (older rows): the picture, then the cut.
        assert images.line("Tính ![hình vẽ](fi…") == "Tính [hình]…"
        assert images.line("Tính 5! [ghi chú]") == "Tính 5! [ghi chú]"  # not a marker
        html = str(images.list_html('<b>x</b> ![a"b](file:7)'))
        assert html.startswith("&lt;b&gt;x&lt;/b&gt; <span class=\"question-picture")
        assert "[hình]</span>" in html and "file:" not in html
        stem = "Câu " + "rất dài " * 24 + "![hình](file:123456) cuối"
        summary = services.summary_of(stem)
        assert summary.endswith("…") and "![" not in summary and len(summary) <= 200
    with app.test_request_context("/"), force_locale("en"):
        assert images.line("Look ![](file:1)") == "Look [picture]"


def _with_picture(state, owner="gv.toan", stem="Hình nào là tam giác?"):
    review_services.ensure_default_criteria()
    question = services.create_question(user(owner), fields(stem=stem), image=(png(), "hinh.png"))
    return walk(question, state, owner)


def test_every_list_shows_a_picture_label_instead_of_the_marker(client, demo, login_as):
    approved = _with_picture("approved")
    waiting = _with_picture("submitted", stem="Câu chờ thẩm định có hình")
    record = services.preview_import(user("gv.toan"), "docx", word_with_pictures(), "hinh.docx", "toan", "6")
    services.confirm_import(user("gv.toan"), db.session.get(QuestionImport, record.id), {})
    db.session.commit()
    assert RAW.search(approved.current_version.stem) and RAW.search(waiting.summary)
    login_as("gv.toan")
    pages = {"bank": "/questions/?subject=toan", "mine": "/questions/mine",
             "set": f"/questions/imports/{record.id}"}
    for name, url in pages.items():
        page = client.get(url).get_data(as_text=True)
        assert 'class="question-picture' in page, name
        assert not RAW.search(page), name
    fields_ = {"csrf_token": csrf_from(client, "/assignments/new"), "action": "filter", "kind": "quiz",
               "source": "picked", "subject": "toan", "grade": "6"}
    picker = client.post("/assignments/new", data=fields_).get_data(as_text=True)
    assert f'data-question="{approved.id}"' in picker and 'class="question-picture' in picker
    assert not RAW.search(picker)
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account/password")})
    login_as("reviewer.toan")
    queue = client.get("/reviews/queue").get_data(as_text=True)
    assert "Câu chờ thẩm định có hình [hình]" in queue and not RAW.search(queue)


def test_assignment_pages_and_search_hits_show_the_label_too(client, demo, login_as):
    """The quiz's page, its item analysis and a search hit name a question's picture, never the
    marker (the stems there were cut as raw text before)."""
    from tests.assignments_support import make_assignment

    question = _with_picture("approved", stem="Hình tam giác đều bên dưới có mấy trục đối xứng?")
    assignment = make_assignment(question_ids=[question.id], title="Trục đối xứng", kind="quiz")
    db.session.commit()
    login_as("gv.toan")
    for url in (f"/assignments/{assignment.id}", f"/assignments/{assignment.id}/analysis",
                "/search?q=truc+doi+xung&type=question"):
        page = client.get(url).get_data(as_text=True)
        assert 'class="question-picture' in page, url
        assert not RAW.search(page), url
