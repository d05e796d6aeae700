"""The digital-transformation indicator set (Quyết định 4725/QĐ-BGDĐT, 2022) as editable data.

The set is a JSON file, never code: `reference/dx-indicators.json` ships with the package (derived
from shared/data/dx-indicators-4725.json, a third-party transcription, and marked "to be checked
against the decision's annex"); the office replaces it by uploading its own, which is kept in the
instance folder (`DX_INDICATORS_FILE`). `replace` validates a new file completely before writing
it, atomically: a bad file is refused with every problem named, and the file in use stays as it was.

Scoring (`score_school`): a criterion earns its points when measured from Học liệu's own data
(`measure`), otherwise what the school admin entered (capped at the criterion's maximum, as the
DTI platforms do). A group's score is the sum over its criteria, out of the group's maximum; the
level comes from `levels[].group_score` bounds (default Mức 1 < 50, Mức 2 50–75, Mức 3 > 75). The
school's level follows `school_level_rule` ("min_of_groups": both groups must reach a level).
A group whose criteria add up to less than its maximum (group 2 catalogues 90 of 100) is scored
out of what is catalogued, never rescaled, with a warning that the level may be understated.
"""

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from ..core.errors import ValidationError, _

DEFAULT_FILE = Path(__file__).resolve().parent / "reference" / "dx-indicators.json"
INSTANCE_NAME = "dx-indicators.json"
MAX_FILE_BYTES = 512 * 1024

METRICS = {
    # metric: what Học liệu measures (queries.dx_metrics computes each per school and year)
    "self_study_assignments": "số bài giao học liệu để học sinh tự học",
    "inquiries_answered": "số câu hỏi của học sinh được giáo viên trả lời",
    "quizzes_given": "số bài kiểm tra trực tuyến được giao",
    "students_with_parent_share": "tỉ lệ học sinh có cha mẹ theo dõi trên hệ thống",
    "approved_materials": "số học liệu của trường đã được duyệt",
    "quiz_subject_share": "tỉ lệ môn học có bài kiểm tra trực tuyến",
    "teachers_active_share": "tỉ lệ giáo viên sử dụng hệ thống",
    "teachers_building_share": "tỉ lệ giáo viên xây dựng học liệu số",
}
SCALES = ("any", "share", "count")
BOUND_KEYS = ("gt", "gte", "lt", "lte")
SCHOOL_LEVEL_RULES = ("min_of_groups",)


class IndicatorFileError(ValidationError):
    """A file that is not a usable indicator set: every problem, each with where it is."""

    def __init__(self, problems):
        super().__init__(_("Tệp bộ chỉ số chưa hợp lệ nên chưa được dùng: %(first)s", first=problems[0]),
                         {"file": problems}, code="invalid_indicator_file")
        self.problems = problems


@dataclass(frozen=True)
class Criterion:
    code: str
    name_vi: str
    points: float | None  # None: a mandatory condition, met or not, without points
    how_vi: str
    measure: dict | None
    unverified: bool
    indicator_code: str

    @property
    def mandatory(self):
        return self.points is None

    @property
    def measured(self):
        return self.measure is not None


@dataclass(frozen=True)
class Group:
    code: str
    name_vi: str
    max_points: float
    criteria: tuple
    gap_note_vi: str = ""

    @property
    def catalogued_points(self):
        return sum(c.points for c in self.criteria if c.points is not None)


@dataclass(frozen=True)
class IndicatorSet:
    groups: tuple
    levels: tuple  # ({level, name_vi, group_score: {gte/gt/lt/lte}}, ...), lowest first
    school_level_rule: str
    verified: bool
    note_vi: str
    source: str
    raw: dict = field(repr=False, compare=False)

    def criterion(self, code):
        return next((c for g in self.groups for c in g.criteria if c.code == code), None)

    def level_of(self, score):
        """The level whose bounds hold `score` (levels are data: see the file's `levels`)."""
        for level in self.levels:
            if _within(score, level["group_score"]):
                return level["level"]
        return None

    def level_name(self, number):
        return next((lv["name_vi"] for lv in self.levels if lv["level"] == number), "")


def _within(value, bounds):
    checks = {"gt": value > bounds.get("gt", 0), "gte": value >= bounds.get("gte", 0),
              "lt": value < bounds.get("lt", 0), "lte": value <= bounds.get("lte", 0)}
    return all(checks[key] for key in BOUND_KEYS if key in bounds)


# --------------------------------------------------------------------------- loading


def instance_file():
    configured = current_app.config.get("DX_INDICATORS_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / INSTANCE_NAME


_cache = {}


def load():
    """The indicator set in use: the office's file when it has uploaded one, else the default.

    Parsed once per file version (path, mtime, size). An instance file that became unreadable
    (edited by hand on the server) raises IndicatorFileError: reports say so rather than
    silently scoring with another set."""
    path = instance_file()
    if not path.is_file():
        path = DEFAULT_FILE
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _cache.get("key") != key:
        _cache["set"] = parse(path.read_bytes(), source=str(path))
        _cache["key"] = key
    return _cache["set"]


def is_default():
    return not instance_file().is_file()


def current_bytes():
    path = instance_file()
    return (path if path.is_file() else DEFAULT_FILE).read_bytes()


def replace(data):
    """Validate `data` as an indicator set, then make it the one in use (atomic rename).

    Refused files raise IndicatorFileError listing every problem; nothing is written then."""
    indicator_set = parse(data, source=INSTANCE_NAME)
    path = instance_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dx-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _cache.clear()
    return indicator_set


def reset_to_default():
    path = instance_file()
    if path.is_file():
        path.unlink()
    _cache.clear()


def parse(data, source=""):
    """An IndicatorSet from the file's bytes, or IndicatorFileError naming every problem."""
    if len(data) > MAX_FILE_BYTES:
        raise IndicatorFileError([_("Tệp lớn hơn %(kb)s KB.", kb=MAX_FILE_BYTES // 1024)])
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise IndicatorFileError([_("Tệp phải là văn bản JSON mã UTF-8.")]) from None
    except json.JSONDecodeError as error:
        raise IndicatorFileError([_("Không đọc được JSON: %(reason)s (dòng %(line)s, cột %(column)s).",
                                    reason=error.msg, line=error.lineno, column=error.colno)]) from None
    problems = []
    indicator_set = _build(raw, problems, source)
    if problems:
        raise IndicatorFileError(problems)
    return indicator_set


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value):
    return isinstance(value, str) and value.strip() != ""


def _build(raw, problems, source):
    if not isinstance(raw, dict):
        problems.append(_("Tệp phải là một đối tượng JSON có các khóa “levels” và “groups”."))
        return None
    levels = _levels(raw.get("levels"), problems)
    rule = raw.get("school_level_rule", "min_of_groups")
    if rule not in SCHOOL_LEVEL_RULES:
        problems.append(_("“school_level_rule” phải là một trong: %(rules)s.", rules=", ".join(SCHOOL_LEVEL_RULES)))
    groups_raw = raw.get("groups")
    groups, codes = [], set()
    if not isinstance(groups_raw, list) or not groups_raw:
        problems.append(_("“groups” phải là danh sách các nhóm tiêu chí, không được rỗng."))
        groups_raw = []
    for gi, group in enumerate(groups_raw, start=1):
        where = _("nhóm thứ %(n)s", n=gi)
        if not isinstance(group, dict):
            problems.append(_("%(where)s: phải là một đối tượng.", where=where))
            continue
        if not _text(group.get("code")) or not _text(group.get("name_vi")):
            problems.append(_("%(where)s: thiếu “code” hoặc “name_vi”.", where=where))
        else:
            where = _("nhóm %(code)s", code=group["code"])
        max_points = group.get("max_points")
        if not _number(max_points) or max_points <= 0:
            problems.append(_("%(where)s: “max_points” phải là số dương.", where=where))
            max_points = 0
        criteria = []
        indicators = group.get("indicators")
        if not isinstance(indicators, list) or not indicators:
            problems.append(_("%(where)s: “indicators” phải là danh sách, không được rỗng.", where=where))
            indicators = []
        for indicator in indicators:
            if not isinstance(indicator, dict) or not _text(indicator.get("code")):
                problems.append(_("%(where)s: có chỉ số thiếu “code”.", where=where))
                continue
            for criterion in indicator.get("criteria") or []:
                built = _criterion(criterion, indicator, problems, codes)
                if built is not None:
                    criteria.append(built)
            if not indicator.get("criteria"):
                problems.append(_("Chỉ số %(code)s: “criteria” phải là danh sách, không được rỗng.",
                                  code=indicator["code"]))
        total = sum(c.points for c in criteria if c.points is not None)
        if max_points and total > max_points + 1e-9:
            problems.append(_("%(where)s: tổng điểm các tiêu chí (%(total)s) vượt điểm tối đa của nhóm (%(max)s).",
                              where=where, total=_plain(total), max=_plain(max_points)))
        groups.append(Group(str(group.get("code", "")), str(group.get("name_vi", "")), max_points or 0,
                            tuple(criteria), str(group.get("gap_note_vi") or "")))
    if problems:
        return None
    return IndicatorSet(tuple(groups), levels, rule, bool(raw.get("verified", False)),
                        str(raw.get("note_vi") or ""), source, raw)


def _plain(number):
    return f"{number:g}"


def _levels(levels, problems):
    if not isinstance(levels, list) or not levels:
        problems.append(_("“levels” phải là danh sách các mức, không được rỗng."))
        return ()
    built, numbers = [], set()
    for li, level in enumerate(levels, start=1):
        bounds = level.get("group_score") if isinstance(level, dict) else None
        if (not isinstance(level, dict) or not isinstance(level.get("level"), int)
                or isinstance(level.get("level"), bool) or not isinstance(bounds, dict) or not bounds
                or any(k not in BOUND_KEYS or not _number(v) for k, v in bounds.items())):
            problems.append(_("Mức thứ %(n)s: cần “level” (số nguyên) và “group_score” với các cận "
                              "gt/gte/lt/lte là số.", n=li))
            continue
        if level["level"] in numbers:
            problems.append(_("Mức %(n)s được khai báo hai lần.", n=level["level"]))
        numbers.add(level["level"])
        built.append({"level": level["level"], "name_vi": str(level.get("name_vi") or ""), "group_score": bounds})
    built.sort(key=lambda lv: lv["level"])
    # Every score from 0 to 100 must fall in exactly one level (checked on the tenths and the edges).
    if len(built) == len(levels):
        for tenth in range(0, 1001):
            score = tenth / 10
            holders = [lv["level"] for lv in built if _within(score, lv["group_score"])]
            if len(holders) != 1:
                problems.append(_("Các mức phải phủ mỗi điểm từ 0 đến 100 đúng một lần; điểm %(score)s "
                                  "thuộc %(n)s mức.", score=_plain(score), n=len(holders)))
                break
    return tuple(built)


def _criterion(criterion, indicator, problems, codes):
    if not isinstance(criterion, dict) or not _text(criterion.get("code")) or not _text(criterion.get("name_vi")):
        problems.append(_("Chỉ số %(code)s: có tiêu chí thiếu “code” hoặc “name_vi”.", code=indicator["code"]))
        return None
    code = criterion["code"]
    if code in codes:
        problems.append(_("Tiêu chí %(code)s được khai báo hai lần.", code=code))
    codes.add(code)
    points = criterion.get("points")
    if points is not None and (not _number(points) or points < 0):
        problems.append(_("Tiêu chí %(code)s: “points” phải là số không âm, hoặc null cho điều kiện bắt buộc.",
                          code=code))
        points = None
    measure = criterion.get("measure")
    if measure is not None:
        if not isinstance(measure, dict) or measure.get("metric") not in METRICS:
            problems.append(_("Tiêu chí %(code)s: “measure.metric” phải là một trong: %(metrics)s.",
                              code=code, metrics=", ".join(METRICS)))
            measure = None
        elif measure.get("scale", "any") not in SCALES:
            problems.append(_("Tiêu chí %(code)s: “measure.scale” phải là một trong: %(scales)s.",
                              code=code, scales=", ".join(SCALES)))
            measure = None
        elif measure.get("scale", "any") != "any" and (not _number(measure.get("full_at"))
                                                        or measure["full_at"] <= 0):
            problems.append(_("Tiêu chí %(code)s: “measure.full_at” phải là số dương.", code=code))
            measure = None
        elif points is None:
            problems.append(_("Tiêu chí %(code)s: điều kiện bắt buộc (không có điểm) không đo tự động được.",
                              code=code))
            measure = None
    return Criterion(code, criterion["name_vi"], float(points) if points is not None else None,
                     str(criterion.get("how_vi") or ""), measure,
                     bool(criterion.get("unverified") or indicator.get("unverified")), indicator["code"])


# --------------------------------------------------------------------------- scoring


def measured_points(criterion, value):
    """Points a measured criterion earns for `value` (see METRICS): "any" all of them when the
    value is above zero; "share"/"count" in proportion to `full_at`, capped at the maximum."""
    scale = criterion.measure.get("scale", "any")
    value = value or 0
    if scale == "any":
        return criterion.points if value > 0 else 0.0
    return round(criterion.points * min(1.0, value / criterion.measure["full_at"]), 2)


@dataclass
class CriterionResult:
    criterion: Criterion
    points: float | None  # earned; None when not entered (or a mandatory condition)
    value: float | None = None  # the measured value
    met: bool | None = None  # mandatory conditions
    entry: object = None

    @property
    def missing(self):
        """What the school still has to provide: an unmet mandatory condition, a criterion
        with nothing entered or without evidence, or a measured one at zero."""
        c = self.criterion
        if c.mandatory:
            return not self.met
        if c.measured:
            return not self.points
        return self.entry is None or not self.points or not getattr(self.entry, "evidence_file_id", None)


@dataclass
class GroupResult:
    group: Group
    score: float
    level: int | None
    criteria: list

    @property
    def understated(self):
        """The group catalogues fewer points than its maximum (e.g. 90 of 100)."""
        return self.group.catalogued_points < self.group.max_points

    @property
    def mandatory_unmet(self):
        return [r for r in self.criteria if r.criterion.mandatory and not r.met]


@dataclass
class SchoolResult:
    groups: list
    level: int | None

    @property
    def missing(self):
        return [r for g in self.groups for r in g.criteria if r.missing]


def score_school(indicator_set, metrics, entries):
    """Score one school. `metrics` maps metric names to measured values; `entries` maps criterion
    codes to the admin's entries (objects with `points`, `met`, `evidence_file_id`)."""
    groups = []
    for group in indicator_set.groups:
        results = []
        for criterion in group.criteria:
            entry = entries.get(criterion.code)
            if criterion.mandatory:
                results.append(CriterionResult(criterion, None, met=bool(entry and entry.met), entry=entry))
            elif criterion.measured:
                value = metrics.get(criterion.measure["metric"])
                results.append(CriterionResult(criterion, measured_points(criterion, value), value=value))
            else:
                points = None
                if entry is not None and entry.points is not None:
                    points = min(float(entry.points), criterion.points)
                results.append(CriterionResult(criterion, points, entry=entry))
        score = round(sum(r.points or 0 for r in results), 2)
        groups.append(GroupResult(group, score, indicator_set.level_of(score), results))
    levels = [g.level for g in groups]
    level = min(levels) if levels and None not in levels else None
    return SchoolResult(groups, level)
