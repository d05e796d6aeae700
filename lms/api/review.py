"""/api/v1 review endpoints: the queue, the criteria, and the workflow routes that materials and
questions add for their kind with `register_workflow_api`."""

from flask import g, request

from ..core.authz import authorize
from ..core.errors import ValidationError, _
from ..core.pagination import page_args
from ..core.timeutil import iso, utcnow
from ..extensions import db
from ..review import permissions, queries, services
from ..review.registry import ITEM_TYPES
from ..review.workflow import DECISIONS, REASON_CODES
from ..schools.models import Subject
from ..schools.reference import SUBJECTS
from .auth import api_route
from .openapi import PAGING, enum

KINDS = ("material", "question")


def queue_entry_json(entry):
    item = entry.item
    return {
        "kind": entry.item_type,
        "id": item.id,
        "title": entry.title,
        "subject": item.subject.code,
        "grade": item.grade,
        "state": item.state,
        "owner_id": item.owner_id,
        "school_id": item.school_id,
        "version": item.current_version_number(),
        "submitted_at": entry.submitted_at,  # made ISO 8601, with the waiting time, per request
    }


def event_json(event):
    return {
        "from": event.from_state,
        "to": event.to_state,
        "action": event.action,
        "actor_id": event.actor_id,
        "comment": event.comment,
        "reason_code": event.reason_code,
        "version": event.version_number,
        "at": iso(event.at),
    }


def criterion_json(criterion):
    return {"code": criterion.code, "title": criterion.title, "description": criterion.description,
            "max_score": criterion.max_score}


@api_route("/reviews/queue", tag="review",
           query={"subject": enum(code for code, _vi, _en in SUBJECTS),
                  "kind": enum(["material", "question"]), **PAGING},
           responses={200: "{items: [{kind, id, title, subject, grade, state, submitted_at, waiting_seconds}], "
                           "total, page, per_page}", 403: "forbidden", 422: "invalid_fields"})
def review_queue():
    """Items waiting in the pools of the caller's subject groups, oldest first (?subject=&kind=)."""
    user = g.api_user
    authorize(permissions.can_use_queue(user))
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS and kind not in ITEM_TYPES:
        raise ValidationError("kind phải là material hoặc question.", {"kind": kind})
    code = request.args.get("subject") or None
    page, per_page = page_args()
    # A page is the same until an item moves (queries.queue_cache): kept per reviewer, role, pool
    # (a change of group membership is a new key) and query, without the waiting times, which
    # are this request's.
    pool = queries.pool_subject_ids(user)
    key = ("api", user.id, user.role, None if pool is None else tuple(sorted(pool)), kind, code, page, per_page)
    entries, total = queries.queue_cache().get_or_set(key, lambda: _queue_page(user, kind, code, page, per_page))
    now = utcnow()
    return {"items": [{**entry, "submitted_at": iso(entry["submitted_at"]),
                       "waiting_seconds": int((now - entry["submitted_at"]).total_seconds())} for entry in entries],
            "total": total, "page": page, "per_page": per_page}


def _queue_page(user, kind, code, page, per_page):
    """(the page's entries without their waiting times, the queue's length)."""
    subject = None
    if code is not None:
        subject = db.session.scalar(db.select(Subject).where(Subject.code == code))
        if subject is None:
            raise ValidationError(_("Không có môn học với mã này."), {"subject": code})
    # The oldest page * per_page of each kind are enough to know the page's entries.
    entries = services.queue(user, item_type=kind, subject=subject, limit=page * per_page)
    chunk = entries[(page - 1) * per_page: page * per_page]
    return ([queue_entry_json(e) for e in chunk],
            queries.queue_count(user, item_type=kind, subject=subject))


@api_route("/review-criteria", tag="review", responses={200: "[{code, title, description, max_score}]"})
def review_criteria():
    """The published review criteria, in order."""
    return [criterion_json(c) for c in services.criteria()]


# --- the workflow routes of one kind ----------------------------------------------------------

def _body():
    """The JSON body as a dict; an empty body is {}."""
    if not request.get_data(cache=True):
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Nội dung gửi lên phải là một đối tượng JSON."), {"body": "object"})
    return data


def _text(data, key):
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{key} phải là chuỗi.", {key: "string"})
    return value


def workflow_api_views(kind_plural, loader, serializer):
    """The view functions of `register_workflow_api`, as (rule, endpoint, view, methods, meta).

    `loader(item_id, user)` returns the item or raises NotFound when the user may not see it;
    `serializer(item, user)` returns its JSON. Each action commits once and answers the item. A
    `lock_version` in the body (the item's JSON gives it) makes the action act on that reading
    only: 409 when the item changed since (services.expect_version).
    """

    def act(item_id, run):
        user = g.api_user
        item = loader(item_id, user)
        data = _body()
        services.expect_version(item, data.get("lock_version"))
        run(item, user, data)
        db.session.commit()
        return serializer(item, user)

    def submit(item_id):
        submitted = {}

        def run(item, user, data):
            submitted["item"] = item
            submitted["event"] = services.submit(item, user, _text(data, "comment"))

        answer = act(item_id, run)
        notice = submitted["event"].notice
        if notice:  # the item waits, but nobody reviews its subject yet; the office was told
            answer["notice"] = {"code": notice, "message": services.notice_message(submitted["item"], notice)}
        return answer

    def withdraw(item_id):
        return act(item_id, lambda item, user, data: services.withdraw(item, user, _text(data, "comment")))

    def claim(item_id):
        return act(item_id, lambda item, user, data: services.claim(item, user))

    def release(item_id):
        return act(item_id, lambda item, user, data: services.release(item, user, _text(data, "comment")))

    def review(item_id):
        def run(item, user, data):
            decision = data.get("decision")
            if not isinstance(decision, str):
                raise ValidationError(_("Cần decision: approve, request_changes hoặc reject."),
                                      {"decision": "approve | request_changes | reject"})
            services.decide(item, user, decision, _text(data, "comment"), data.get("scores"),
                            _text(data, "reason_code"))

        return act(item_id, run)

    def history(item_id):
        item = loader(item_id, g.api_user)
        # Who reviewed and what they wrote: for the owner and the staff concerned, not for every
        # reader of a published item (issue 7).
        authorize(permissions.can_see_history(g.api_user, item),
                  _("Lịch sử thẩm định chỉ dành cho tác giả và những người thẩm định, quản lí mục này."))
        return [event_json(e) for e in services.history(item)]

    errors = {403: "forbidden", 404: "not_found", 409: "invalid_transition"}
    rule = f"/{kind_plural}/<int:item_id>"
    return [
        (f"{rule}/submit", f"{kind_plural}_submit", submit, ["POST"],
         {"summary": "Submit for review (draft or changes requested → submitted). When no group "
                     "reviews the subject yet, the answer has notice: {code: no_reviewers, message} "
                     "and the district admins are notified.",
          "body": {"comment": "string", "lock_version": "integer"}, "responses": {200: "item (+ notice)", **errors}}),
        (f"{rule}/withdraw", f"{kind_plural}_withdraw", withdraw, ["POST"],
         {"summary": "Withdraw: the owner before a decision, or an approved item (owner or district admin).",
          "body": {"comment": "string", "lock_version": "integer"}, "responses": {200: "item", **errors}}),
        (f"{rule}/claim", f"{kind_plural}_claim", claim, ["POST"],
         {"summary": "Claim from the pool (→ in_review); 409 if someone claimed it first.",
          "body": {"lock_version": "integer"}, "responses": {200: "item", **errors}}),
        (f"{rule}/release", f"{kind_plural}_release", release, ["POST"],
         {"summary": "Put a claimed item back in the pool (claimant or district admin).",
          "body": {"comment": "string", "lock_version": "integer"}, "responses": {200: "item", **errors}}),
        (f"{rule}/review", f"{kind_plural}_review", review, ["POST"],
         {"summary": "Decide: approve (scores for every criterion), request_changes or reject "
                     "(reason_code and comment).",
          "body": {"decision!": enum(DECISIONS), "comment": "string", "lock_version": "integer",
                   "scores": {"type": "object", "additionalProperties": {"type": "integer", "nullable": True}},
                   "reason_code": enum(REASON_CODES)},
          "responses": {200: "item", **errors, 422: "invalid_fields"}}),
        (f"{rule}/history", f"{kind_plural}_history", history, ["GET"],
         {"summary": "Workflow history, oldest first: for the owner and the staff the review concerns "
                     "(403 for students, parents and other readers of a published item).",
          "responses": {200: "[{from, to, action, actor_id, comment, reason_code, at}]", 403: "forbidden",
                        404: "not_found"}}),
    ]


def register_workflow_api(kind_plural, loader, serializer):
    """Add POST /{kind}/{id}/submit|withdraw|claim|release|review and GET /{kind}/{id}/history to
    /api/v1 (endpoints api.{kind}_submit etc.). Call at import of the kind's API module."""
    for rule, endpoint, view, methods, meta in workflow_api_views(kind_plural, loader, serializer):
        view.__name__ = endpoint
        view.__doc__ = meta["summary"]
        api_route(rule, methods=methods, tag=kind_plural, **meta)(view)
