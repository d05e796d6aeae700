"""Who sees the oversight reports: the office sees every school, a school admin their own school
(another school's report is 404 for them: they may not look into it), nobody else (403)."""

from ..accounts.permissions import is_district_admin, is_school_admin


def can_view_reports(user):
    """The reports pages and exports at all."""
    return is_district_admin(user) or (is_school_admin(user) and user.school_id is not None)


def sees_all_schools(user):
    return is_district_admin(user)


def can_view_school(user, school_id):
    """One school's statistics and indicators."""
    if school_id is None:
        return False
    return is_district_admin(user) or (is_school_admin(user) and user.school_id == school_id)


def can_enter_dx(user, school_id):
    """The indicators Học liệu cannot measure are entered by the school's own admin."""
    return is_school_admin(user) and school_id is not None and user.school_id == school_id


def can_see_evidence(user, entry):
    return entry is not None and can_view_school(user, entry.school_id)


def can_manage_indicators(user):
    """The indicator file (criteria, points, levels) is the office's to edit."""
    return is_district_admin(user)
