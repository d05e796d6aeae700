"""Errors users can act on: a DomainError from a service becomes a flash on a page and the
JSON error shape of API.md in /api/v1. Bad input never becomes a 500."""

from flask import flash, has_request_context, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from ..extensions import db


def _(message, **variables):
    """gettext for service messages (msgids are Vietnamese, with %(name)s placeholders).

    In a request: the user's language. Outside one (CLI commands, the background worker) the
    locale selector cannot run (it reads the session), so the Vietnamese text is used as is.
    """
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message


class DomainError(Exception):
    status = 422

    def __init__(self, code, message, details=None, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404

    def __init__(self, message=None, details=None):
        super().__init__("not_found", message or _("Không tìm thấy."), details)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message=None, details=None):
        super().__init__("forbidden", message or _("Bạn không có quyền thực hiện thao tác này."), details)


class Conflict(DomainError):
    status = 409


class ValidationError(DomainError):
    status = 422

    def __init__(self, message, details=None, code="invalid_fields"):
        super().__init__(code, message, details)


HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_fields", 429: "too_many_requests",
    500: "server_error",
}


def wants_json():
    return request.path.startswith("/api/")


def json_error(status, code, message, details=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def flash_error(error):
    flash(error.message, "danger")


def init_app(app):
    @app.errorhandler(DomainError)
    def handle_domain_error(error):
        db.session.rollback()
        if wants_json():
            return json_error(error.status, error.code, error.message, error.details)
        return render_template("errors/error.html", status=error.status, message=error.message,
                               details=error.details), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error):
        from flask_wtf.csrf import CSRFError

        code = HTTP_CODES.get(error.code, "http_error")
        message = error.description
        if isinstance(error, CSRFError):
            code = "csrf_failed"
            message = _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (CSRF). "
                        "Hãy tải lại trang và thử lại.")
        if wants_json():
            response = json_error(error.code, code, message)
        else:
            response = app.make_response((render_template("errors/error.html", status=error.code,
                                                          message=message, details={}), error.code))
        # What the exception says beside its body: Allow on a 405, Retry-After on a 429, ...
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error):  # pragma: no cover - a bug by definition
        app.logger.exception("Unhandled error")
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        if wants_json():
            return json_error(500, "server_error", _("Lỗi máy chủ. Sự cố đã được ghi lại."))
        return render_template("errors/error.html", status=500,
                               message=_("Lỗi máy chủ. Sự cố đã được ghi lại."), details={}), 500
