"""Locale selection: Vietnamese unless the person chose English; the templates' gettext."""

import flask_babel
from flask import current_app, g, has_request_context, request, session
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup


def select_locale():
    if not has_request_context():  # the CLI, the worker: the district's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "vi"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def translations():
    """This request's translations, looked up once: Flask-Babel's own template callables look them
    up again (through several context lookups) for every string, which was most of the time a
    page with a table of a few dozen rows took to render."""
    try:
        return g._lms_translations
    except AttributeError:
        found = g._lms_translations = flask_babel.get_translations()
        return found


@pass_context
def template_gettext(context, string, **variables):
    """`_()` and `gettext()` in templates: Jinja's newstyle gettext (the translation, made Markup
    when autoescaping, then always %-formatted with `variables`) in one call. Jinja's own `_`
    reaches the translation through three nested `Context.call`s, and a table of a few dozen rows
    calls it hundreds of times (a label per cell); a string without variables is translated once
    per request."""
    autoescape = context.eval_ctx.autoescape
    if not variables:
        try:
            done = g._lms_translated
        except AttributeError:
            done = g._lms_translated = {}
        key = (string, autoescape)
        found = done.get(key)
        if found is None:
            found = done[key] = _newstyle(translations().ugettext(string), autoescape, variables)
        return found
    return _newstyle(translations().ugettext(string), autoescape, variables)


def _newstyle(translated, autoescape, variables):
    return (Markup(translated) if autoescape else translated) % variables


def install_template_gettext(app):
    """Replace the gettext callables Flask-Babel gave Jinja with ones that use `translations()`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(context, singular, plural, n),
    )
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    app.jinja_env.filters["datetimeformat"] = datetimeformat


_FORMATTED = "lms.formatted_datetimes"
_FORMATTED_MAX = 4096


def datetimeformat(value=None, format=None, rebase=True):
    """The `datetimeformat` filter (Flask-Babel's format_datetime), each answer kept per
    application for its (moment, format, language, time zone): a list shows the same few dozen
    moments to every reader, and Babel builds each answer from locale data every time."""
    if value is None or not rebase:
        return flask_babel.format_datetime(value, format, rebase)
    try:
        where = g._lms_locale_and_zone
    except AttributeError:
        where = g._lms_locale_and_zone = (str(flask_babel.get_locale()), str(flask_babel.get_timezone()))
    key = (value, format, *where)
    done = current_app.extensions.setdefault(_FORMATTED, {})
    found = done.get(key)
    if found is None:
        if len(done) >= _FORMATTED_MAX:
            done.clear()
        found = done[key] = flask_babel.format_datetime(value, format, rebase)
    return found
