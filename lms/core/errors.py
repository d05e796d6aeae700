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


def http_message(status):
    """What a status means to the user, in their language (Werkzeug's descriptions are English)."""
    messages = {
        400: _("Máy chủ không hiểu yêu cầu vừa gửi. Hãy tải lại trang rồi thử lại."),
        401: _("Bạn cần đăng nhập để xem trang này."),
        403: _("Tài khoản của bạn không được xem trang này hoặc làm thao tác này."),
        404: _("Không có trang này, hoặc nó đã bị gỡ. Hãy kiểm tra lại địa chỉ."),
        405: _("Trang này không nhận cách gửi vừa dùng. Hãy quay lại và dùng các nút trên trang."),
        409: _("Thao tác không thực hiện được ở trạng thái hiện tại. Hãy tải lại trang."),
        413: _("Dữ liệu gửi lên quá lớn so với giới hạn cho phép."),
        415: _("Loại dữ liệu này không được chấp nhận."),
        422: _("Dữ liệu chưa hợp lệ."),
        429: _("Bạn đã gửi quá nhiều yêu cầu. Hãy chờ một lát rồi thử lại."),
        500: _("Lỗi máy chủ. Sự cố đã được ghi lại."),
    }
    return messages.get(status) or (messages[500] if status >= 500 else messages[400])


def wants_json():
    return request.path.startswith("/api/")


def json_error(status, code, message, details=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def flash_error(error):
    flash(error.message, "danger")


def error_page(status, message, details=None):
    """Our error page, in the user's language, with a way back: the page they came from (when it
    is ours) and the home page. Only a 422's details are messages for people; the others' are
    data for the API (state and action codes)."""
    from urllib.parse import urlsplit

    from .http import local_url

    shown = [v for v in (details or {}).values() if isinstance(v, str)] if status == 422 else []
    back = None
    if request.referrer:
        came_from = urlsplit(request.referrer)
        if came_from.netloc == request.host:
            back = local_url(came_from.path + (f"?{came_from.query}" if came_from.query else ""))
    if back in (request.path, request.full_path.rstrip("?")):
        back = None
    return render_template("errors/error.html", status=status, message=message, details=shown, back=back)


def init_app(app):
    @app.errorhandler(DomainError)
    def handle_domain_error(error):
        db.session.rollback()
        if wants_json():
            return json_error(error.status, error.code, error.message, error.details)
        return error_page(error.status, error.message, error.details), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error):
        from flask_wtf.csrf import CSRFError

        code = HTTP_CODES.get(error.code, "http_error")
        message = http_message(error.code)
        if isinstance(error, CSRFError):
            code = "csrf_failed"
            message = _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (CSRF). "
                        "Hãy tải lại trang và thử lại.")
        if wants_json():
            response = json_error(error.code, code, message)
        else:
            response = app.make_response((error_page(error.code, message), error.code))
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
            return json_error(500, "server_error", http_message(500))
        return error_page(500, http_message(500)), 500
