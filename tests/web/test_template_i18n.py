"""The templates' `_()` and `datetimeformat` (lms/core/i18n.py) answer as Jinja's newstyle gettext
and Flask-Babel's filter would, in each request's own language, although they keep answers: the
translated strings for the rest of the request, the formatted moments for the application."""

from datetime import UTC, datetime

import flask_babel
from flask import render_template_string, session


def request_in(app, lang=None):
    """A request of its own (the fixture's application context would share `g` between them)."""
    app_context = app.app_context()
    app_context.push()
    request_context = app.test_request_context("/")
    request_context.push()
    if lang:
        session["lang"] = lang
    return app_context, request_context


def done(*contexts):
    for context in reversed(contexts):
        context.pop()


def render(app, source, lang=None, **context):
    contexts = request_in(app, lang)
    try:
        return render_template_string(source, **context)
    finally:
        done(*contexts)



def test_gettext_escapes_and_formats_like_jinja_newstyle(app):
    assert render(app, '{{ _("Xin chào %(name)s", name=who) }}', who="<b>") == "Xin chào &lt;b&gt;"
    # Always a format string, variables or not: "%%" is one percent sign.
    assert render(app, '{{ _("100%%") }}|{{ gettext("100%%") }}') == "100%|100%"
    assert render(app, "{% autoescape false %}{{ _('a %(x)s', x='<i>') }}{% endautoescape %}") == "a <i>"


def test_each_request_gets_its_own_language(app):
    source = '{{ _("Tải lên") }} {{ _("Tải lên") }}'
    assert render(app, source) == "Tải lên Tải lên"
    assert render(app, source, lang="en") == "Upload Upload"
    assert render(app, source) == "Tải lên Tải lên"  # nothing kept from the English request


def test_datetimeformat_matches_flask_babel_in_each_language(app):
    moment = datetime(2026, 9, 5, 1, 30, tzinfo=UTC)
    answers = {}
    for lang in ("vi", "en", "vi"):
        contexts = request_in(app, lang)
        try:
            expected = flask_babel.format_datetime(moment, "short")
            shown = render_template_string('{{ moment|datetimeformat("short") }}', moment=moment)
        finally:
            done(*contexts)
        assert shown == expected
        answers.setdefault(lang, shown)
    assert answers["vi"] != answers["en"]
    assert "08:30" in answers["vi"]  # Asia/Ho_Chi_Minh, UTC+7
