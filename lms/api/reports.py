"""/api/v1/reports: the oversight statistics per school and the digital-transformation indicators,
over the same queries as the pages. The office (district_admin) sees every school; a school admin
their own school (another school is 404); every other role 403."""

from flask import g, request

from ..core.authz import authorize
from ..core.errors import NotFound, _
from ..reports import indicators, permissions, queries, tables
from .auth import api_route
from .openapi import MAX_ID, enum, integer

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 422: "invalid_fields"}
FILTERS = {"year": "string", "subject": "string", "grade": integer(6, 8), "school_id": integer(1, MAX_ID)}


def _filters(user):
    authorize(permissions.can_view_reports(user), _("Báo cáo dành cho Phòng GD&ĐT và quản trị trường."))
    f = queries.Filters.from_args(request.args, strict=True)
    if permissions.sees_all_schools(user):
        if f.school_id is not None and not queries.schools(f.school_id):
            raise NotFound()
        return f
    if f.school_id is not None and not permissions.can_view_school(user, f.school_id):
        raise NotFound()
    return f.with_school(user.school_id)


def _filters_json(f):
    return {"year": f.year.name, "subject": f.subject.code if f.subject else None, "grade": f.grade,
            "school_id": f.school_id}


def _rate(value):
    return round(value, 4) if value is not None else None


@api_route("/reports/schools", tag="reports", query=FILTERS,
           responses={200: "{filters, items: [per school counts and rates], total}", **ERRORS})
def report_schools():
    """Per school: teachers and their activity, approved materials and questions, assignments,
    students reached, completion and on-time rates, average mark, the online share (?year=&subject=&grade=)."""
    user = g.api_user
    f = _filters(user)
    schools = queries.schools(f.school_id)
    teacher_rows = queries.teacher_activity(f)
    by_school, _total = queries.teacher_summary(teacher_rows)
    items = queries.items_by_state(f)
    totals = queries.assignment_school_totals(f)
    topic_totals, covered = queries.topic_totals(f), queries.covered_counts(f)
    approved = {}
    for row in items:
        if row.state == "approved":
            approved[(row.school_id, row.item_type)] = approved.get((row.school_id, row.item_type), 0) + row.n
    answer = []
    for school in schools:
        t = by_school.get(school.id, queries.TeacherSummary())
        a = totals.get(school.id)
        share = queries.online_share(topic_totals, covered, school.id)[1]
        answer.append({
            "school_id": school.id, "code": school.code, "name": school.name,
            "teachers": t.teachers, "teachers_uploaded": t.uploaded, "teachers_authored": t.authored,
            "teachers_assigned": t.assigned, "teachers_active": t.active,
            "teachers_active_rate": _rate(t.share("active")),
            "materials_approved": approved.get((school.id, "material"), 0),
            "questions_approved": approved.get((school.id, "question"), 0),
            "assignments": a.assignments if a else 0, "students": a.students if a else 0,
            "students_reached": a.reached if a else 0,
            "completion_rate": _rate(a.completion_rate) if a else None,
            "on_time_rate": _rate(a.on_time_rate) if a else None,
            "average_mark": a.average_mark if a else None,
            "online_topics": share.topics, "online_topics_covered": share.covered,
            "online_share": _rate(share.share), "online_target": queries.ONLINE_TARGET,
        })
    return {"filters": _filters_json(f), "items": answer, "total": len(answer)}


def _school_dx(school, result):
    return {
        "school_id": school.id, "code": school.code, "name": school.name, "level": result.level,
        "groups": [{
            "code": gr.group.code, "name": gr.group.name_vi, "score": gr.score, "max_points": gr.group.max_points,
            "catalogued_points": gr.group.catalogued_points, "level": gr.level, "understated": gr.understated,
            "criteria": [{
                "code": r.criterion.code, "name": r.criterion.name_vi, "max_points": r.criterion.points,
                "points": r.points, "mandatory": r.criterion.mandatory, "met": r.met if r.criterion.mandatory else None,
                "measured": r.criterion.measured, "value": r.value, "missing": r.missing,
                "has_evidence": bool(r.entry is not None and r.entry.evidence_file_id),
                "unverified": r.criterion.unverified,
            } for r in gr.criteria],
        } for gr in result.groups],
        "missing": [r.criterion.code for r in result.missing],
    }


@api_route("/reports/dx-indicators", tag="reports", query={"year": "string", "school_id": integer(1, MAX_ID)},
           responses={200: "{school_year, verified, note, levels, items: [{school_id, level, groups: [...]}]}",
                      **ERRORS, 409: "indicator_file_invalid"})
def report_dx_indicators():
    """The digital-transformation indicators (QĐ 4725/QĐ-BGDĐT) with values, scores and levels:
    one school (?school_id=, a school admin's own by default) or every school for the office."""
    user = g.api_user
    f = _filters(user)
    f = queries.Filters(f.year, None, None, f.school_id)
    schools = queries.schools(f.school_id)
    report = tables.Report(f, schools, {})
    tables.add_dx(report)
    if report.indicator_set is None:
        from ..core.errors import DomainError

        raise DomainError("indicator_file_invalid", report.indicator_error, status=409)
    s = report.indicator_set
    return {
        "school_year": f.year.name, "verified": s.verified, "note": s.note_vi,
        "school_level_rule": s.school_level_rule,
        "levels": [{"level": lv["level"], "name": lv["name_vi"], "group_score": lv["group_score"]} for lv in s.levels],
        "items": [_school_dx(school, report.dx[school.id]) for school in schools],
    }


__all__ = ["enum", "indicators"]
