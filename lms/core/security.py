"""Security headers on every response."""

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-src 'self'; "
    "frame-ancestors 'self'"
)


# Endpoints served on CONTENT_ORIGIN, the hostname of users' active content (HTML5 packages).
CONTENT_ENDPOINTS = {"materials.package_member"}


def _host(origin):
    from urllib.parse import urlsplit

    return urlsplit(origin).netloc.lower()


def init_app(app):
    content_origin = app.config.get("CONTENT_ORIGIN")
    csp = CSP
    if content_origin:
        csp = CSP.replace("frame-src 'self'", f"frame-src 'self' {content_origin.rstrip('/')}")

        @app.before_request
        def keep_content_apart():
            """On the content hostname only package members answer; on the application's hostname
            they do not, so a package's script never runs at the application's hostname."""
            from flask import abort, request

            on_content_host = request.host.lower() == _host(content_origin)
            if on_content_host != (request.endpoint in CONTENT_ENDPOINTS):
                abort(404)

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
