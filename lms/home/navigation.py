"""What every template can use: the navigation for the signed-in role, the office's name,
the language switch and the permission predicates (so templates ask the same questions as views).

Every page pays for this frame, so it is computed once per request from the signed-in user
object itself (not through `current_user`, a proxy that costs a context look-up per attribute:
the navigation's predicates read it some 80 times), and the navigation's HTML is kept per
process under what it is made of: which entries the user may open, the language, the active
page and the script root. No name, school or token is in it."""

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

from ..accounts import permissions as account_perms
from ..assignments import permissions as assignment_perms
from ..core.cache import fill, slot
from ..materials import permissions as material_perms
from ..parents import permissions as parent_perms
from ..questions import permissions as question_perms
from ..reports import permissions as report_perms
from ..review import permissions as review_perms
from ..schools import permissions as school_perms

ADMIN = _l("Quản trị")

# (label, endpoint, predicate, menu): one list, filtered by the predicates, so navigation and the
# permission matrix can never disagree about who may open a page. Entries with a menu label are
# gathered into one dropdown (a single entry stays a plain link).
NAVIGATION = [
    (_l("Trang chính"), "home.dashboard", account_perms.is_signed_in, None),
    (_l("Con của tôi"), "parents.home", parent_perms.is_parent, None),
    (_l("Bài tập"), "assignments.index", assignment_perms.can_list, None),
    (_l("Thư viện học liệu"), "materials.library", material_perms.can_browse_library, None),
    (_l("Học liệu của tôi"), "materials.mine", material_perms.can_upload, None),
    (_l("Tải lên"), "materials.upload", material_perms.can_upload, None),
    (_l("Ngân hàng câu hỏi"), "questions.bank", question_perms.can_browse_bank, None),
    (_l("Câu hỏi của tôi"), "questions.mine", question_perms.can_author, None),
    (_l("Hàng đợi thẩm định"), "review.queue", review_perms.can_use_queue, None),
    (_l("Bộ câu hỏi chờ thẩm định"), "questions.sets", review_perms.can_use_queue, None),
    (_l("Báo cáo thống kê"), "reports.dashboard", report_perms.can_view_reports, None),
    (_l("Trường học"), "schools.school_list", school_perms.can_manage_schools, ADMIN),
    (_l("Tổ thẩm định"), "schools.group_list", school_perms.can_manage_groups, ADMIN),
    (_l("Tiêu chí thẩm định"), "review.criteria", review_perms.can_manage_criteria, ADMIN),
    (_l("Danh mục chủ đề"), "schools.topic_list", school_perms.can_manage_topics, ADMIN),
    (_l("Lớp học"), "schools.classroom_list", school_perms.can_manage_own_school, ADMIN),
    (_l("Nhập học sinh"), "schools.student_import", school_perms.can_manage_own_school, ADMIN),
    (_l("Người dùng"), "schools.user_list", school_perms.can_list_users, ADMIN),
]


_KEPT = "lms.navigation"
_KEPT_MAX = 1024


def _allowed(user):
    return tuple(bool(allowed(user)) for _label, _endpoint, allowed, _menu in NAVIGATION)


def navigation_for(user, allowed=None):
    """[(label, endpoint, children)]: children is a list of (label, endpoint) for a dropdown.
    `allowed`: the predicates' answers for `user` (_allowed), when already known."""
    items, menus = [], {}
    if allowed is None:
        allowed = _allowed(user)
    for (label, endpoint, _predicate, menu), shown in zip(NAVIGATION, allowed, strict=True):
        if not shown:
            continue
        if menu is None:
            items.append((label, endpoint, None))
        elif str(menu) in menus:
            menus[str(menu)][2].append((label, endpoint))
        else:
            menus[str(menu)] = (menu, None, [(label, endpoint)])
            items.append(menus[str(menu)])
    return [(children[0][0], children[0][1], None) if children is not None and len(children) == 1
            else (label, endpoint, children) for label, endpoint, children in items]


def navigation_html(user, locale, allowed=None):
    """The navigation's <ul> for `user` on this request's page, rendered once per process for
    each (allowed entries, language, active endpoint, script root) and kept."""
    if allowed is None:
        allowed = _allowed(user)
    return _kept(("nav", allowed, locale, request.endpoint, request.script_root),
                 lambda: _render("_nav.html", nav_items=navigation_for(user, allowed), active=request.endpoint))


def _kept(key, render):
    kept = current_app.extensions.setdefault(_KEPT, {})
    found = kept.get(key)
    if found is None:
        if len(kept) >= _KEPT_MAX:
            kept.clear()
        found = kept[key] = render()
    return found


def _render(name, **context):
    # Without the context processors (frame() is one of them): only what the template uses.
    return Markup(current_app.jinja_env.get_template(name).render(**context))


def _unread_badge(count):
    if not count:
        return Markup("")
    return Markup('<span class="badge rounded-pill text-bg-danger" id="unread-count">%d</span>') % count


@pass_context
def frame_header(context):
    """base.html's <nav> header for this request: the kept _header.html for everyone with the same
    navigation, language and page, with this request's slots filled (the CSRF token, the path for
    the language switch, the search box's text, the bell's count from the template's context,
    the user's name, role and school)."""
    user = current_user._get_current_object()
    signed_in = bool(user is not None and user.is_authenticated)
    locale = context.get("current_locale") or str(get_locale() or "vi")
    allowed = _allowed(user)
    header = _kept(("header", signed_in, allowed, locale, request.endpoint, request.script_root),
                   lambda: _render("_header.html", signed_in=signed_in, current_locale=locale, slot=slot,
                                   nav_html=navigation_html(user, locale, allowed)))
    searched = request.args.get("q", "") if request.endpoint == "search.results" else ""
    path = request.full_path if request.query_string else request.path
    if not signed_in:
        return fill(header, csrf=lambda _: generate_csrf(), path=lambda _: path, q=lambda _: searched)
    school = user.school
    role = str(user.role_label) + (f" · {school.name}" if school is not None else "")
    return fill(header, csrf=lambda _: generate_csrf(), path=lambda _: path, q=lambda _: searched,
                unread=lambda _: _unread_badge(context.get("unread_notifications")),
                name=lambda _: user.full_name, role=lambda _: role)


def frame():
    """base.html's values for this request, computed once (a page whose content block is kept
    renders templates twice on a miss: the context processors run for each)."""
    found = getattr(request, "_lms_frame", None)
    if found is None:
        found = request._lms_frame = {
            "frame_header": frame_header,
            "office_name": current_app.config["OFFICE_NAME"],
            "current_locale": str(get_locale() or "vi"),
            "current_path": request.full_path if request.query_string else request.path,
        }
    return found


def init_app(app):
    app.context_processor(frame)
    app.jinja_env.globals.update(
        can_manage_user=account_perms.can_manage_user,
        can_manage_school=school_perms.can_manage_school,
    )
