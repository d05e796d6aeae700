"""What every template can use: the navigation for the signed-in role, the office's name,
the language switch and the permission predicates (so templates ask the same questions as views)."""

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts import permissions as account_perms
from ..materials import permissions as material_perms
from ..review import permissions as review_perms
from ..schools import permissions as school_perms

# (label, endpoint, predicate): one list, filtered by the predicates, so navigation and the
# permission matrix can never disagree about who may open a page.
NAVIGATION = [
    (_l("Trang chính"), "home.dashboard", account_perms.is_signed_in),
    (_l("Trường học"), "schools.school_list", account_perms.is_district_admin),
    (_l("Tổ thẩm định"), "schools.group_list", account_perms.is_district_admin),
    (_l("Danh mục chủ đề"), "schools.topic_list", account_perms.is_district_admin),
    (_l("Người dùng"), "schools.user_list", school_perms.can_list_users),
    (_l("Lớp học"), "schools.classroom_list", account_perms.is_school_admin),
    (_l("Nhập học sinh"), "schools.student_import", account_perms.is_school_admin),
    (_l("Thư viện học liệu"), "materials.library", material_perms.can_browse_library),
    (_l("Học liệu của tôi"), "materials.mine", material_perms.can_upload),
    (_l("Tải lên"), "materials.upload", material_perms.can_upload),
    (_l("Hàng đợi thẩm định"), "review.queue", review_perms.can_use_queue),
    (_l("Tiêu chí thẩm định"), "review.criteria", review_perms.can_manage_criteria),
]


def navigation_for(user):
    return [(label, endpoint) for label, endpoint, allowed in NAVIGATION if allowed(user)]


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
