"""/api/v1 endpoints of the foundation: tokens, me, subjects."""

from flask import g, jsonify, request

from ..accounts import services as account_services
from ..accounts.devices import known_device, remember_device
from ..core.errors import DomainError, ValidationError, _, json_error
from ..extensions import db
from ..schools import queries as school_queries
from ..schools.reference import SUBJECTS
from .auth import api_route, bearer_token
from .openapi import enum, integer
from .serializers import subject_json, topic_json, user_json


@api_route("/auth/token", methods=["POST"], public=True, tag="auth",
           body={"username!": "string", "password!": "string"},
           responses={200: "{token}", 401: "invalid_credentials", 429: "too_many_attempts"})
def issue_token():
    """Exchange a username and password for a bearer token. A 429 says in `Retry-After` how many
    seconds to wait; a client that keeps the cookie this answer sets is not held back by guesses
    made at its account from elsewhere (see accounts.services.authenticate)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not data.get("username") or not data.get("password"):
        raise ValidationError(_("Cần gửi JSON {username, password}."),
                              {k: _("Bắt buộc.") for k in ("username", "password")
                               if not isinstance(data, dict) or not data.get(k)})
    username = str(data["username"])
    try:
        user = account_services.authenticate(username, str(data["password"]), request.remote_addr,
                                             device=known_device(request, username))
    except account_services.TooManyAttempts as error:
        db.session.rollback()
        response = json_error(error.status, error.code, error.message, error.details)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except DomainError:
        db.session.rollback()
        raise
    token = account_services.issue_token(user)
    db.session.commit()
    return remember_device(jsonify({"token": token}), request, user.username)


@api_route("/auth/token", methods=["DELETE"], tag="auth", responses={204: "revoked"})
def revoke_token():
    """Revoke the bearer token used for this call."""
    account_services.revoke_token(bearer_token())
    db.session.commit()
    return "", 204


@api_route("/me", tag="auth", responses={200: "{id, username, full_name, role, school_id, class_ids}"})
def me():
    """The signed-in user."""
    return user_json(g.api_user)


@api_route("/subjects", tag="catalogue", responses={200: "[{code, name_vi, name_en, grades}]"})
def subjects():
    """The subjects of the 2018 curriculum for grades 6–8."""
    return [subject_json(s) for s in school_queries.subjects()]


@api_route("/topics", tag="catalogue", query={"subject": enum(code for code, _vi, _en in SUBJECTS),
                                              "grade": integer(6, 8), "q": "string"},
           responses={200: "[{id, subject, grade, order, chapter, lesson}]",
                                                 422: "invalid_fields"})
def topics():
    """The curriculum's topics (?subject=code&grade=6..8&q=words, with or without diacritics), in
    catalogue order: the values `topic` accepts."""
    subject, grade = None, None
    code = request.args.get("subject")
    if code:
        subject = school_queries.subject_by_code(code)
        if subject is None:
            raise ValidationError(_("Không có môn học với mã này."), {"subject": code})
    raw_grade = request.args.get("grade")
    if raw_grade:
        if raw_grade.strip() not in ("6", "7", "8"):
            raise ValidationError(_("Khối lớp là 6, 7 hoặc 8."), {"grade": raw_grade[:20]})
        grade = int(raw_grade)
    return [topic_json(t) for t in school_queries.topics(subject, grade, request.args.get("q"))]
