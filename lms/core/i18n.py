"""Locale selection: Vietnamese unless the person chose English; the templates' gettext."""

import flask_babel
from flask import current_app, g, has_request_context, request, session
from flask_login import current_user


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


def install_template_gettext(app):
    """Replace the gettext callables Flask-Babel gave Jinja with ones that use `translations()`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(context, singular, plural, n),
    )
