"""Review pages: the reviewers' queue, the district admin's overview and criteria, notifications,
and generic item routes (/reviews/items/<type>/<id>/...) that every reviewable kind shares.

Item routes load (404 unless `can_view`), let the service authorise (403) and act, commit once,
then redirect. A state or input refusal (409, 422) becomes a flash message on the page the user
came from; a refused decision shows the item's page again with what the reviewer typed and each
error at its field.
"""

from datetime import UTC, datetime

from babel.dates import TIMEDELTA_UNITS
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..accounts.models import Role, User
from ..core.authz import require
from ..core.cache import fill, render_block, slot
from ..core.errors import Conflict, NotFound, ValidationError
from ..core.forms import refuse
from ..core.http import as_id, local_url
from ..core.timeutil import utcnow
from ..extensions import db
from ..schools.models import Subject
from . import notices, permissions, queries, services
from .forms import CriterionEditForm, CriterionForm, parse_decision_form
from .models import Notification, ReviewCriterion
from .registry import item_page, load_item
from .workflow import ACTION_LABELS, REASON_CODES, STATE_LABELS, Action, State

bp = Blueprint("review", __name__, template_folder="templates", url_prefix="/reviews")


# --- what every template can use ------------------------------------------------------------

@bp.app_context_processor
def inject_unread_notifications():
    user = current_user._get_current_object()
    if user is not None and user.is_authenticated:
        return {"unread_notifications": queries.unread_count(user)}
    return {"unread_notifications": 0}


def current_path():
    return request.full_path if request.query_string else request.path


def item_base_url(item):
    return services.item_link(item)


for _name, _predicate in permissions.PREDICATES.items():
    bp.add_app_template_global(_predicate, _name)
bp.add_app_template_global(lambda state: STATE_LABELS[State(state)], "review_state_label")
bp.add_app_template_global(lambda action: ACTION_LABELS[Action(action)], "review_action_label")
bp.add_app_template_global(lambda code: REASON_CODES.get(code, code or ""), "review_reason_label")
bp.add_app_template_global(REASON_CODES, "review_reason_codes")
bp.add_app_template_global(current_path, "review_current_path")
bp.add_app_template_global(item_base_url, "review_item_url")
# The reader's language for macros, which do not see the page's context (current_locale).
bp.add_app_template_global(lambda: str(get_locale() or "vi"), "review_language")


# --- queues ---------------------------------------------------------------------------------

def _tabs_for(user):
    groups = queries.groups() if permissions.can_see_all_queues(user) else queries.groups_of(user)
    return [g.subject for g in groups]


@bp.route("/queue")
@require(permissions.can_use_queue)
def queue():
    """The content is the same until an item moves (queries.queue_cache): it is kept per reviewer,
    role, pool (the subjects of their groups: a change of membership is a new key), filters and
    language, with slots for the CSRF token and the waiting times, which are this request's."""
    all_queues = permissions.can_see_all_queues(current_user)
    pool = tuple(g.subject_id for g in queries.groups()) if all_queues else \
        tuple(sorted(queries.pool_subject_ids(current_user)))
    code, kind = request.args.get("subject") or None, request.args.get("kind") or None
    language = str(get_locale())
    key = ("page", current_user.id, current_user.role, pool, code, kind, language)
    content = queries.queue_cache().get_or_set(key, lambda: _queue_content(code, kind))
    now, token = utcnow(), generate_csrf()
    content = fill(content, csrf=lambda _argument: token,
                   waiting=lambda moment: waiting_label(now - datetime.fromtimestamp(float(moment), UTC), language))
    return render_template("review/queue_page.html", queue_content=content)


_WAITING = "lms.waiting_labels"


def waiting_label(delta, language):
    """`timedeltaformat` ("5 phút", "2 giờ"), kept per application for what it shows: Babel's
    answer depends only on the language, the unit it picks and the rounded number of them, and a
    queue of 35 items would ask Babel 35 times on every request."""
    seconds = abs(delta.total_seconds())
    for unit, per_unit in TIMEDELTA_UNITS:  # Babel's own choice: threshold 0.85, granularity second
        value = seconds / per_unit
        if value >= 0.85 or unit == "second":
            if unit == "second" and value > 0:
                value = max(1, value)
            break
    key = (language, unit, int(round(value)))
    labels = current_app.extensions.setdefault(_WAITING, {})
    found = labels.get(key)
    if found is None:
        if len(labels) > 4096:
            labels.clear()
        found = labels[key] = format_timedelta(delta)
    return found


def _queue_content(code, kind):
    tabs = _tabs_for(current_user)
    subject = next((s for s in tabs if s.code == code), None)
    if code and subject is None:
        subject = db.session.scalar(db.select(Subject).where(Subject.code == code))
        if subject is None or not permissions.can_see_all_queues(current_user):
            abort(404)
    entries = services.queue(current_user, item_type=kind, subject=subject)
    claimed = services.claimed_items(current_user)
    for entry in entries + claimed:
        entry.url = services.item_link(entry.item)
    for entry in entries:
        entry.claimable = permissions.can_claim(current_user, entry.item)
    return render_block("review/queue.html", "content", tabs=tabs, subject=subject, kind=kind, entries=entries,
                        claimed=claimed, csrf=slot("csrf"), waited=lambda at: slot("waiting", repr(at.timestamp())))


@bp.route("/overview")
@require(permissions.can_see_all_queues)
def overview():
    entries = services.under_review()
    members = {g.subject_id: [m for m in g.members if m.active and m.role == Role.REVIEWER]
               for g in queries.groups(with_members=True)}
    # The reviewers of the item's subject group, minus its owner: whom `reassign` accepts.
    choices = {(e.item_type, e.item.id): [m for m in members.get(e.item.subject_id, [])
                                         if m.id != e.item.owner_id] for e in entries}
    language = str(get_locale())
    return render_template("review/overview.html", summaries=services.queues_overview(), entries=entries,
                           choices=choices, waited=lambda delta: waiting_label(delta, language))


# --- one item -------------------------------------------------------------------------------

def _load_visible(item_type, item_id):
    item = load_item(item_type, item_id)
    if item is None or not permissions.can_view(current_user, item):
        raise NotFound()
    return item


def _back(item, fallback=None):
    return redirect(local_url(request.form.get("next")) or fallback or item.item_url()
                    or services.item_link(item))


def _act(item, action, success):
    """Run `action()`, commit and flash `success` (a message, or a function of the action's
    result giving (message, category)); flash a 409/422 refusal instead. A 403 (Forbidden)
    propagates to the error page."""
    try:
        services.expect_version(item, request.form.get("lock_version"))
        result = action()
    except (Conflict, ValidationError) as error:
        db.session.rollback()
        flash(error.message, "danger")  # the details are data for the API (state and action codes)
        return False
    db.session.commit()
    flash(*(success(result) if callable(success) else (success, "success")))
    return True


@bp.route("/items/<item_type>/<int:item_id>")
@login_required
def item(item_type, item_id):
    item = _load_visible(item_type, item_id)
    url = item.item_url()
    if url:
        return redirect(url)
    return _generic_page(item)


def _generic_page(item, decision=None):
    events = services.history(item) if permissions.can_see_history(current_user, item) else []
    return render_template("review/item.html", item=item, events=events,
                           request_review=services.latest_request(item), criteria=services.criteria(),
                           decision=decision)


@bp.route("/items/<item_type>/<int:item_id>/submit", methods=["POST"])
@login_required
def item_submit(item_type, item_id):
    item = _load_visible(item_type, item_id)
    _act(item, lambda: services.submit(item, current_user, request.form.get("comment")),
         lambda event: (services.notice_message(item, event.notice), "warning") if event.notice
         else (_("Đã gửi thẩm định."), "success"))
    return _back(item)


@bp.route("/items/<item_type>/<int:item_id>/withdraw", methods=["POST"])
@login_required
def item_withdraw(item_type, item_id):
    item = _load_visible(item_type, item_id)
    _act(item, lambda: services.withdraw(item, current_user, request.form.get("comment")),
         _("Đã rút lại."))
    return _back(item)


@bp.route("/items/<item_type>/<int:item_id>/claim", methods=["POST"])
@login_required
def item_claim(item_type, item_id):
    item = _load_visible(item_type, item_id)
    if _act(item, lambda: services.claim(item, current_user), _("Bạn đã nhận thẩm định mục này.")):
        return redirect(item.item_url() or services.item_link(item))
    return _back(item, url_for("review.queue"))


@bp.route("/items/<item_type>/<int:item_id>/release", methods=["POST"])
@login_required
def item_release(item_type, item_id):
    item = _load_visible(item_type, item_id)
    _act(item, lambda: services.release(item, current_user, request.form.get("comment")),
         _("Đã trả mục về hàng đợi."))
    return _back(item, url_for("review.queue"))


@bp.route("/items/<item_type>/<int:item_id>/review", methods=["POST"])
@login_required
def item_decide(item_type, item_id):
    item = _load_visible(item_type, item_id)
    decision, comment, scores, reason_code = parse_decision_form(request.form, services.criteria())
    try:
        services.expect_version(item, request.form.get("lock_version"))
        services.decide(item, current_user, decision, comment, scores, reason_code)
    except (Conflict, ValidationError) as error:
        # The item's page again, not a redirect: the scores and the note stay as typed.
        db.session.rollback()
        flash(error.message, "danger")
        state = {"values": request.form,
                 "errors": error.details if isinstance(error, ValidationError) else {}}
        render = item_page(item.ITEM_TYPE)
        page = render(item, decision=state) if render else _generic_page(item, decision=state)
        return page, error.status
    db.session.commit()
    flash(_("Đã ghi nhận kết quả thẩm định."), "success")
    return _back(item)


@bp.route("/items/<item_type>/<int:item_id>/reassign", methods=["POST"])
@login_required
def item_reassign(item_type, item_id):
    item = _load_visible(item_type, item_id)
    reviewer_id = as_id(request.form.get("reviewer_id"))
    reviewer = db.session.get(User, reviewer_id) if reviewer_id else None
    _act(item, lambda: services.reassign(item, current_user, reviewer), _("Đã giao lại người thẩm định."))
    return _back(item, url_for("review.overview"))


# --- criteria -------------------------------------------------------------------------------

def _criterion(criterion_id):
    criterion = db.session.get(ReviewCriterion, criterion_id)
    if criterion is None:
        abort(404)
    return criterion


@bp.route("/criteria")
@require(permissions.can_manage_criteria)
def criteria():
    return render_template("review/criteria.html", criteria=services.criteria(active_only=False))


@bp.route("/criteria/new", methods=["GET", "POST"])
@require(permissions.can_manage_criteria)
def criterion_new():
    form = CriterionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.create_criterion(current_user, form.code.data, form.title.data, form.description.data,
                                      form.max_score.data, form.title_en.data, form.description_en.data)
        except ValidationError as error:
            db.session.rollback()
            refuse(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Đã thêm tiêu chí."), "success")
            return redirect(url_for("review.criteria"))
    elif request.method == "POST":
        status = 422
    return render_template("review/criterion_form.html", form=form, criterion=None), status


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@require(permissions.can_manage_criteria)
def criterion_edit(criterion_id):
    criterion = _criterion(criterion_id)
    form = CriterionEditForm(obj=criterion)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_criterion(current_user, criterion, form.title.data, form.description.data,
                                      form.max_score.data, form.title_en.data or "",
                                      form.description_en.data or "")
        except ValidationError as error:
            db.session.rollback()
            refuse(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Đã lưu tiêu chí."), "success")
            return redirect(url_for("review.criteria"))
    elif request.method == "POST":
        status = 422
    return render_template("review/criterion_form.html", form=form, criterion=criterion), status


@bp.route("/criteria/<int:criterion_id>/deactivate", methods=["POST"])
@require(permissions.can_manage_criteria)
def criterion_deactivate(criterion_id):
    services.set_criterion_active(current_user, _criterion(criterion_id), False)
    db.session.commit()
    flash(_("Đã ngừng áp dụng tiêu chí."), "success")
    return redirect(url_for("review.criteria"))


@bp.route("/criteria/<int:criterion_id>/activate", methods=["POST"])
@require(permissions.can_manage_criteria)
def criterion_activate(criterion_id):
    services.set_criterion_active(current_user, _criterion(criterion_id), True)
    db.session.commit()
    flash(_("Đã áp dụng lại tiêu chí."), "success")
    return redirect(url_for("review.criteria"))


@bp.route("/criteria/<int:criterion_id>/move", methods=["POST"])
@require(permissions.can_manage_criteria)
def criterion_move(criterion_id):
    criterion = _criterion(criterion_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction"))
    if offset is None:
        raise ValidationError(_("Chọn hướng di chuyển: lên hoặc xuống."), {"direction": "up | down"})
    services.move_criterion(current_user, criterion, offset)
    db.session.commit()
    return redirect(url_for("review.criteria"))


# --- notifications --------------------------------------------------------------------------

@bp.route("/notifications")
@login_required
def notifications():
    return render_template("review/notifications.html", notifications=queries.notifications_for(current_user),
                           notice_text=notices.text)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def notification_read(notification_id):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    services.mark_read(current_user, notification)
    db.session.commit()
    return redirect(local_url(notification.link) or url_for("review.notifications"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def notifications_read_all():
    services.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("review.notifications"))
