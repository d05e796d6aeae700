"""What every template can use: the navigation for the signed-in role, the office's name,
the language switch and the permission predicates (so templates ask the same questions as views)."""

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts import permissions as account_perms
from ..assignments import permissions as assignment_perms
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


def navigation_for(user):
    """[(label, endpoint, children)]: children is a list of (label, endpoint) for a dropdown."""
    items, menus = [], {}
    for label, endpoint, allowed, menu in NAVIGATION:
        if not allowed(user):
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


def init_app(app):
    @app.context_processor
    def inject():
        return {
            "nav_items": navigation_for(current_user),
            "office_name": current_app.config["OFFICE_NAME"],
            "current_locale": str(get_locale() or "vi"),
            "current_path": request.full_path if request.query_string else request.path,
        }

    app.jinja_env.globals.update(
        can_manage_user=account_perms.can_manage_user,
        can_manage_school=school_perms.can_manage_school,
    )
