"""The district's oversight statistics (issue 13): read-only, each report a fixed number of SQL
statements whatever the number of schools, teachers or students (aggregation happens in the
database, the review's median and 90th percentile too on PostgreSQL; Python shapes the grouped
rows, and takes the percentiles on SQLite and of the queue's few waiting items).

Every report takes `Filters`: the school year (its period runs from 1 August to 31 July, local
time, as `schools.services.school_year_name` counts years), optionally one subject, one grade and
one school (None: every school of the district).

Definitions (shown on the pages and in the exports):
- a teacher *uploaded* / *authored* when they created a material / question in the period, and
  *assigned work* when they gave an assignment to a class of the school year;
- *approval rate*: approvals among the reviewers' decisions (approve, request changes, reject)
  taken in the period; *time to decision*: from the item's latest submission before the decision;
- an assignment's work is *complete* for a student when a quiz attempt was submitted, a written
  submission handed in, or (material assignments) the material opened; *on time* when that
  happened by the due time (late flags of attempts and submissions); completion and on-time rates
  count only assignments already due; the *mark* of a student's work is their best quiz mark or
  the submission's mark; *students reached* did at least one thing (opened, started, handed in);
- the assignment statistics read the summary rows kept by summary.py (per assignment and class,
  computed from the work after every commit that changes it), not the million pieces of work;
- *online share*: the catalogue topics of a subject and grade that have an approved material, or
  were used by an assignment (its material's topic, its questions' topics) in the school year.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import (
    DateTime,
    Float,
    and_,
    case,
    cast,
    exists,
    extract,
    false,
    func,
    literal,
    literal_column,
    select,
    true,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from ..accounts.models import Role, User
from ..assignments.models import (
    Assignment,
    AssignmentKind,
    Inquiry,
    assignment_classroom,
)
from ..core.errors import ValidationError, _
from ..core.timeutil import utcnow
from ..extensions import db
from ..materials.models import Material
from ..questions.models import Question
from ..review.models import WorkflowEvent
from ..review.workflow import Action, State
from ..schools.models import Classroom, Enrollment, Guardian, School, SchoolYear, Subject, Teaching, Topic
from .models import DecisionSummary, GivenSummary, MonthSummary, ReachSummary, TopicSummary, WorkSummary

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ONLINE_TARGET = 0.35  # the plan's target: on average 35% of the programme delivered online
GRADES = (6, 7, 8)
ITEM_MODELS = (Material, Question)
DECISIONS = (Action.APPROVE.value, Action.REQUEST_CHANGES.value, Action.REJECT.value)
WAITING = (State.SUBMITTED.value, State.IN_REVIEW.value)


@dataclass(frozen=True)
class Filters:
    year: SchoolYear
    subject: Subject | None = None
    grade: int | None = None
    school_id: int | None = None

    @property
    def start(self):
        first = int(self.year.name[:4])
        return dt.datetime(first, 8, 1, tzinfo=ZONE).astimezone(dt.UTC)

    @property
    def end(self):
        return dt.datetime(int(self.year.name[:4]) + 1, 8, 1, tzinfo=ZONE).astimezone(dt.UTC)

    def with_school(self, school_id):
        return Filters(self.year, self.subject, self.grade, school_id)

    def as_args(self):
        args = {"year": self.year.name}
        if self.subject is not None:
            args["subject"] = self.subject.code
        if self.grade is not None:
            args["grade"] = self.grade
        if self.school_id is not None:
            args["school"] = self.school_id
        return args

    @classmethod
    def from_args(cls, args, strict=False):
        """Filters from a query string (?year=2025-2026&subject=toan&grade=6&school=3). Unknown
        values are a 422 naming the field when `strict` (the API), ignored on pages. Two statements."""
        problems = {}
        year_name = (args.get("year") or "").strip()
        year = None
        if year_name:
            year = db.session.scalar(select(SchoolYear).where(SchoolYear.name == year_name))
            if year is None:
                problems["year"] = _("Không có năm học “%(name)s”.", name=year_name[:20])
        if year is None:
            from ..schools.services import current_school_year

            year = current_school_year()
        subject = None
        code = (args.get("subject") or "").strip()
        if code:
            subject = db.session.scalar(select(Subject).where(Subject.code == code))
            if subject is None:
                problems["subject"] = _("Không có môn học mã “%(code)s”.", code=code[:30])
        grade = _whole(args.get("grade"), GRADES, "grade", problems)
        school_id = _whole(args.get("school") or args.get("school_id"), None, "school", problems)
        if problems and strict:
            raise ValidationError(_("Bộ lọc chưa hợp lệ."), problems)
        return cls(year, subject, grade, school_id)


def _whole(raw, allowed, name, problems):
    raw = (str(raw) if raw is not None else "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or len(raw) > 9 or (allowed and int(raw) not in allowed):
        problems[name] = _("Giá trị “%(value)s” không hợp lệ.", value=raw[:20])
        return None
    return int(raw)


def filter_choices():
    """(school years newest first, subjects, schools) for the filter form: three statements."""
    years = db.session.scalars(select(SchoolYear).order_by(SchoolYear.name.desc())).all()
    subjects = db.session.scalars(select(Subject).order_by(Subject.position)).all()
    return years, subjects, schools()


def schools(school_id=None):
    query = select(School).order_by(School.code)
    if school_id is not None:
        query = query.where(School.id == school_id)
    return db.session.scalars(query).all()


# --------------------------------------------------------------------------- shared conditions


def _item_conditions(model, f, period_column=None):
    conditions = []
    if period_column is not None:
        conditions += [period_column >= f.start, period_column < f.end]
    if f.school_id is not None:
        conditions.append(model.school_id == f.school_id)
    if f.subject is not None:
        conditions.append(model.subject_id == f.subject.id)
    if f.grade is not None:
        conditions.append(model.grade == f.grade)
    return conditions


def _given_conditions(f):
    """GivenSummary rows under the filters, one per assignment given to a class of the school year
    (of the grade when filtered: the row of that grade; else the assignment's lead row): the
    summary's form of "given to a class of the school year"."""
    G = GivenSummary
    conditions = [G.school_year_id == f.year.id, G.grade == f.grade if f.grade is not None else G.lead.is_(True)]
    if f.school_id is not None:
        conditions.append(G.school_id == f.school_id)
    if f.subject is not None:
        conditions.append(G.subject_id == f.subject.id)
    return conditions


def _core_rows(query):
    """The rows of a read of columns only, through the session's connection: no ORM loading step
    per row (thousands of class and teacher rows at city size)."""
    return db.session.connection().execute(query).all()


def _month(column):
    return month_of(column)


def month_of(column):
    """'YYYY-MM' of a timestamp in the district's zone."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone(literal_column("'Asia/Ho_Chi_Minh'"), column), literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), column, literal_column("'+7 hours'"))


def _constant(text):
    """A constant text column written into the statement (no parameter whose type PostgreSQL
    would have to guess in a UNION)."""
    return literal_column(f"'{text}'")


def percentile(values, fraction):
    """The `fraction` quantile of `values` by linear interpolation between the closest ranks
    (the definition of numpy's default and of spreadsheet PERCENTILE.INC); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rate(part, whole):
    return part / whole if whole else None


# --------------------------------------------------------------------------- teachers


@dataclass
class TeacherRow:
    id: int
    full_name: str
    school_id: int
    uploaded: int
    authored: int
    assigned: int

    @property
    def active(self):
        return bool(self.uploaded or self.authored or self.assigned)


def teacher_activity(f):
    """Every active teacher (of the school, or of every school) with how many materials they
    uploaded, questions they authored and assignments they gave: one statement, each count
    grouped once over its table (not once per teacher)."""
    everywhere = f.with_school(None)
    # One school's page counts only its teachers' work (wherever they did it).
    theirs = (select(User.id).where(User.school_id == f.school_id) if f.school_id is not None else None)
    counts = []
    for model in ITEM_MODELS:
        count = (select(model.owner_id.label("uid"), func.count().label("n"))
                 .where(*_item_conditions(model, everywhere, model.created_at)).group_by(model.owner_id))
        if theirs is not None:
            count = count.where(model.owner_id.in_(theirs))
        counts.append(count.subquery(f"{model.ITEM_TYPE}_counts"))
    G = GivenSummary
    # Each assignment once (its row of the grade, or its lead row) from the summary: no DISTINCT
    # over the 100,000 (assignment, class) rows of a city, no semi-join to the classes.
    assigned = (select(G.teacher_id.label("uid"), func.count().label("n"))
                .where(*_given_conditions(everywhere)).group_by(G.teacher_id))
    if theirs is not None:
        assigned = assigned.where(G.teacher_id.in_(theirs))
    assigned = assigned.subquery("assigned_counts")
    query = (select(User.id, User.full_name, User.school_id, *(func.coalesce(c.c.n, 0) for c in (*counts, assigned)))
             .outerjoin(counts[0], counts[0].c.uid == User.id)
             .outerjoin(counts[1], counts[1].c.uid == User.id)
             .outerjoin(assigned, assigned.c.uid == User.id)
             .where(User.role == Role.TEACHER.value, User.active.is_(True), User.school_id.is_not(None))
             .order_by(User.school_id, User.name_sort, User.id))
    if f.school_id is not None:
        query = query.where(User.school_id == f.school_id)
    return [TeacherRow(*row) for row in _core_rows(query)]


@dataclass
class TeacherSummary:
    teachers: int = 0
    uploaded: int = 0
    authored: int = 0
    assigned: int = 0
    active: int = 0
    building: int = 0  # uploaded a material or authored a question

    def share(self, name):
        return rate(getattr(self, name), self.teachers)


def teacher_summary(rows):
    """{school_id: TeacherSummary} and the district's total, from `teacher_activity` rows."""
    by_school, total = {}, TeacherSummary()
    for row in rows:
        for summary in (by_school.setdefault(row.school_id, TeacherSummary()), total):
            summary.teachers += 1
            summary.uploaded += bool(row.uploaded)
            summary.authored += bool(row.authored)
            summary.assigned += bool(row.assigned)
            summary.active += row.active
            summary.building += bool(row.uploaded or row.authored)
    return by_school, total


# --------------------------------------------------------------------------- review


def items_by_state(f):
    """(item_type, school_id, state, subject_id, grade, n) of the materials and questions created
    in the period: one statement."""
    parts = []
    for model in ITEM_MODELS:
        parts.append(select(_constant(model.ITEM_TYPE).label("item_type"), model.school_id, model.state,
                            model.subject_id, model.grade, func.count().label("n"))
                     .where(*_item_conditions(model, f, model.created_at))
                     .group_by(model.school_id, model.state, model.subject_id, model.grade))
    return db.session.execute(union_all(*parts)).all()


def _decisions(f, columns):
    """The decisions taken in the period under the filters, with their hours from the item's latest
    submission before them (None without one): a UNION ALL over materials and questions, each
    decision finding its submission by one probe of ix_workflow_event_submitted."""
    decision, submit = WorkflowEvent, aliased(WorkflowEvent)
    submitted = (select(func.max(submit.at))
                 .where(submit.item_type == decision.item_type, submit.item_id == decision.item_id,
                        submit.action == Action.SUBMIT.value, submit.at <= decision.at)
                 .scalar_subquery())
    parts = []
    for model in ITEM_MODELS:
        named = {"item_type": decision.item_type, "school_id": model.school_id, "subject_id": model.subject_id,
                 "grade": model.grade, "action": decision.action, "submitted_at": submitted,
                 "decided_at": decision.at}
        # The hours computed by the database: tens of thousands of datetime subtractions in Python
        # cost more than the query at a city's size.
        named["hours"] = _hours_between(submitted, decision.at)
        parts.append(select(*(named[c].label(c) for c in columns))
                     .join(model, model.id == decision.item_id)
                     .where(decision.item_type == model.ITEM_TYPE, decision.action.in_(DECISIONS),
                            decision.at >= f.start, decision.at < f.end, *_item_conditions(model, f)))
    return union_all(*parts)


def review_decisions(f):
    """(item_type, school_id, subject_id, grade, action, submitted_at, decided_at, hours) of every
    decision taken in the period, with the item's latest submission before it: one statement.
    The dashboard reads `review_stats` instead (65,000 rows at city size)."""
    return db.session.execute(_decisions(f, ("item_type", "school_id", "subject_id", "grade", "action",
                                             "submitted_at", "decided_at", "hours"))).all()


@dataclass
class DecisionStats:
    decisions: int = 0
    approved: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None


def review_stats(f):
    """{(item_type, subject_id, grade): DecisionStats} of the decisions taken in the period, and the
    whole under the key None: one statement. On PostgreSQL the counts, median and 90th percentile
    come grouped from the database (percentile_cont: the same linear interpolation as `percentile`),
    a few rows for 65,000 decisions; SQLite sends each decision's group, approval and hours and
    Python takes the percentiles."""
    D = DecisionSummary
    # The decisions as summary.py keeps them (each one's submission found once, not per view, with
    # its item's school, subject and grade): one narrow table, no join.
    r = (select(D.item_type, D.subject_id, D.grade, D.action, D.hours)
         .where(D.at >= f.start, D.at < f.end, *_item_conditions(D, f)).subquery("decision").c)
    approve = Action.APPROVE.value
    stats = {}
    if db.engine.dialect.name == "postgresql":
        query = (select(r.item_type, r.subject_id, r.grade, func.count(),
                        func.sum(case((r.action == approve, 1), else_=0)),
                        func.percentile_cont(0.5).within_group(r.hours),
                        func.percentile_cont(0.9).within_group(r.hours))
                 .group_by(func.grouping_sets(tuple_(r.item_type, r.subject_id, r.grade), tuple_())))
        for item_type, subject_id, grade, n, approved, median, p90 in db.session.execute(query):
            key = (item_type, subject_id, grade) if item_type is not None else None
            stats[key] = DecisionStats(n, int(approved or 0), median, p90)
        stats.setdefault(None, DecisionStats())
        return stats
    groups, everything = {}, ([], [0, 0])
    for item_type, subject_id, grade, action, hours in db.session.execute(select(r.item_type, r.subject_id, r.grade,
                                                                                 r.action, r.hours)):
        for values, counts in (groups.setdefault((item_type, subject_id, grade), ([], [0, 0])), everything):
            counts[0] += 1
            counts[1] += action == approve
            if hours is not None:
                values.append(hours)
    for key, (values, (n, approved)) in [*groups.items(), (None, everything)]:
        stats[key] = DecisionStats(n, approved, percentile(values, 0.5), percentile(values, 0.9))
    return stats


def review_tables(stats, queue, now=None):
    """(the whole's ReviewSummary, {(item_type, subject_id, grade): ReviewSummary}) from
    `review_stats` and `queue_stats` (or the `queue_now` rows)."""
    if not isinstance(queue, dict):
        queue = _queue_groups(queue, now or utcnow())
    keys = {k for k in queue if k is not None} | {k for k in stats if k is not None}
    grouped = {k: _review(stats.get(k, DecisionStats()), queue.get(k, QueueStats())) for k in keys}
    return _review(stats.get(None, DecisionStats()), queue.get(None, QueueStats())), grouped


def _review(decided, queued):
    return ReviewSummary(decisions=decided.decisions, approved=decided.approved, median_hours=decided.median_hours,
                         p90_hours=decided.p90_hours, waiting=queued.waiting, oldest_days=queued.oldest_days,
                         median_wait_days=queued.median_wait_days)


@dataclass
class QueueStats:
    waiting: int = 0
    oldest_days: float | None = None
    median_wait_days: float | None = None


def _queue_groups(waiting, now):
    """{(item_type, subject_id, grade): QueueStats} and the whole under None, from `queue_now` rows."""
    groups = {None: []}
    for w in waiting:
        groups.setdefault((w.item_type, w.subject_id, w.grade), [])
    for w in waiting:
        age = (now - _as_utc(w.submitted_at)).total_seconds() / 86400 if w.submitted_at else None
        for key in ((w.item_type, w.subject_id, w.grade), None):
            groups[key].append(age)
    stats = {}
    for key, ages in groups.items():
        known = [a for a in ages if a is not None]
        stats[key] = QueueStats(len(ages), max(known) if known else None, percentile(known, 0.5))
    return stats


def queue_stats(f, now=None):
    """{(item_type, subject_id, grade): QueueStats} of what waits for review now (how many, the
    oldest and median age in days since submission), and the whole under None: one statement. On
    PostgreSQL grouped by the database (a few rows for the city's 16,000 waiting items; the same
    percentile as `percentile`), on SQLite from the `queue_now` rows."""
    now = now or utcnow()
    if db.engine.dialect.name != "postgresql":
        return _queue_groups(queue_now(f), now)
    w = union_all(*[select(_constant(m.ITEM_TYPE).label("item_type"), m.subject_id, m.grade, m.submitted_at)
                    .where(m.state.in_(WAITING), *_item_conditions(m, f)) for m in ITEM_MODELS]).subquery("waiting").c
    days = cast(extract("epoch", literal(now, DateTime(timezone=True)) - w.submitted_at), Float) / 86400.0
    query = (select(w.item_type, w.subject_id, w.grade, func.count(), func.max(days),
                    func.percentile_cont(0.5).within_group(days))
             .group_by(func.grouping_sets(tuple_(w.item_type, w.subject_id, w.grade), tuple_())))
    stats = {None: QueueStats()}
    for item_type, subject_id, grade, n, oldest, median in db.session.execute(query):
        stats[(item_type, subject_id, grade) if item_type is not None else None] = QueueStats(n, oldest, median)
    return stats


def _hours_between(start, end):
    if db.engine.dialect.name == "postgresql":
        return cast(extract("epoch", end - start), Float) / 3600.0
    return cast((func.julianday(end) - func.julianday(start)) * 24.0, Float)


def queue_now(f):
    """(item_type, school_id, subject_id, grade, state, submitted_at) of what waits for review now."""
    parts = [select(_constant(m.ITEM_TYPE).label("item_type"), m.school_id, m.subject_id, m.grade, m.state,
                    m.submitted_at).where(m.state.in_(WAITING), *_item_conditions(m, f)) for m in ITEM_MODELS]
    return db.session.execute(union_all(*parts)).all()


def _as_utc(value):
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


@dataclass
class ReviewSummary:
    decisions: int
    approved: int
    median_hours: float | None
    p90_hours: float | None
    waiting: int
    oldest_days: float | None
    median_wait_days: float | None

    @property
    def approval_rate(self):
        return rate(self.approved, self.decisions)


def review_summary(decisions, waiting, now=None):
    """Approval rate, median and 90th percentile of submission → decision, and the queue's age."""
    now = now or utcnow()
    hours = [d.hours for d in decisions if d.hours is not None]
    ages = [(now - _as_utc(w.submitted_at)).total_seconds() / 86400 for w in waiting if w.submitted_at]
    return ReviewSummary(
        decisions=len(decisions), approved=sum(d.action == Action.APPROVE.value for d in decisions),
        median_hours=percentile(hours, 0.5), p90_hours=percentile(hours, 0.9),
        waiting=len(waiting), oldest_days=max(ages) if ages else None, median_wait_days=percentile(ages, 0.5))


def review_by(decisions, waiting, key, now=None):
    """{key: ReviewSummary} grouped by `key(row)` (e.g. subject, or (type, subject, grade))."""
    groups = {}
    for d in decisions:
        groups.setdefault(key(d), ([], []))[0].append(d)
    for w in waiting:
        groups.setdefault(key(w), ([], []))[1].append(w)
    now = now or utcnow()
    return {k: review_summary(d, w, now) for k, (d, w) in groups.items()}


# --------------------------------------------------------------------------- assignments


def _given(f):
    """(assignment, class) rows of the school year under the filters, as a select's conditions."""
    A, C, ac = Assignment, Classroom, assignment_classroom
    conditions = [ac.c.assignment_id == A.id, C.id == ac.c.classroom_id, C.school_year_id == f.year.id]
    if f.school_id is not None:
        conditions.append(A.school_id == f.school_id)
    if f.subject is not None:
        conditions.append(A.subject_id == f.subject.id)
    if f.grade is not None:
        conditions.append(C.grade == f.grade)
    return conditions


def _summary_conditions(model, f):
    conditions = [model.school_year_id == f.year.id]
    if f.school_id is not None:
        conditions.append(model.school_id == f.school_id)
    if f.grade is not None:
        conditions.append(model.grade == f.grade)
    return conditions


def _class_rows(f, now):
    """Per class and subject, from the summary rows (summary.py, one per assignment and class):
    assignments given and already due, the class's size, and the work of the due ones."""
    W, C, E = WorkSummary, Classroom, Enrollment
    due = W.due_at <= now
    grouped = (select(W.school_id, W.classroom_id, W.subject_id, func.count().label("assignments"),
                      func.sum(case((due, 1), else_=0)).label("due"),
                      func.sum(case((due, W.done), else_=0)).label("done"),
                      func.sum(case((due, W.on_time), else_=0)).label("on_time"),
                      func.sum(W.mark_sum).label("mark_sum"), func.sum(W.marked).label("marked"))
               .where(*_summary_conditions(W, f)).group_by(W.school_id, W.classroom_id, W.subject_id))
    if f.subject is not None:
        grouped = grouped.where(W.subject_id == f.subject.id)
    g = grouped.subquery("grouped")
    size = select(E.classroom_id.label("cid"), func.count().label("n")).group_by(E.classroom_id).subquery("size")
    # The class's students reached in the subject: its reach row (summary.py), joined here rather
    # than 7,000 rows matched in Python. The marks' sum as a float: no Decimal per row.
    R = ReachSummary
    query = (select(g.c.school_id, C.id, C.name, C.grade, g.c.subject_id, g.c.assignments, g.c.due, size.c.n,
                    g.c.done, g.c.on_time, cast(g.c.mark_sum, Float), g.c.marked, R.reached)
             .join(C, C.id == g.c.classroom_id).outerjoin(size, size.c.cid == C.id)
             .outerjoin(R, and_(R.classroom_id == C.id, R.whole.is_(False),
                                R.subject_id.is_not_distinct_from(g.c.subject_id))))
    return _core_rows(query)


def _school_reached(f):
    """{school_id: students reached}: each student once across subjects (the classes' `whole` reach
    rows; a school's students are in one class a year), or in the one subject asked."""
    R = ReachSummary
    query = select(R.school_id, func.sum(R.reached)).where(*_summary_conditions(R, f)).group_by(R.school_id)
    if f.subject is not None:
        query = query.where(R.subject_id == f.subject.id, R.whole.is_(False))
    else:
        query = query.where(R.whole.is_(True))
    return {school_id: int(n or 0) for school_id, n in db.session.execute(query)}


class ClassRows(list):
    """assignment_stats' rows, with the students reached per school (counted once across
    subjects: `_school_reached`)."""

    school_reached: dict


@dataclass
class AssignmentRow:
    school_id: int
    classroom_id: int | None
    classroom: str
    grade: int | None
    subject_id: int | None
    assignments: int = 0
    pairs: int = 0
    students: int = 0
    reached: int = 0
    due: int = 0
    done: int = 0
    on_time: int = 0
    mark_sum: float = 0.0
    marked: int = 0

    @property
    def completion_rate(self):
        return rate(self.done, self.due)

    @property
    def on_time_rate(self):
        return rate(self.on_time, self.done)

    @property
    def average_mark(self):
        return round(self.mark_sum / self.marked, 2) if self.marked else None


def assignment_stats(f, now=None):
    """Per class and subject: assignments given, students, students reached, completion and
    on-time rates, average mark. Two statements over the summary rows (summary.py)."""
    now = now or utcnow()
    rows = []
    for (school_id, cid, name, grade, subject_id, assignments, due, students, done, on_time, mark_sum,
         marked, reached) in _class_rows(f, now):
        students = int(students or 0)
        rows.append(AssignmentRow(school_id, cid, name, grade, subject_id, assignments, assignments * students,
                                  students, int(reached or 0), int(due or 0) * students, int(done or 0),
                                  int(on_time or 0), mark_sum or 0.0, int(marked or 0)))
    result = ClassRows(sorted(rows, key=lambda r: (r.school_id, r.grade, r.classroom, r.subject_id or 0)))
    result.school_reached = _school_reached(f)
    return result


def assignment_school_totals(f, class_rows=None, now=None):
    """{school_id: AssignmentRow} over all the school's classes and subjects, from `assignment_stats`
    rows (one more statement: the assignments, each counted once however many classes got it)."""
    now = now or utcnow()
    class_rows = assignment_stats(f, now) if class_rows is None else class_rows
    totals, classes = {}, {}
    for row in class_rows:
        total = totals.setdefault(row.school_id, AssignmentRow(row.school_id, None, "", None, None))
        classes.setdefault(row.school_id, {})[row.classroom_id] = row.students
        total.pairs += row.pairs
        total.due += row.due
        total.done += row.done
        total.on_time += row.on_time
        total.mark_sum += row.mark_sum
        total.marked += row.marked
    for school_id, sizes in classes.items():
        totals[school_id].students = sum(sizes.values())
    G = GivenSummary
    assignments = select(G.school_id, func.count()).where(*_given_conditions(f)).group_by(G.school_id)
    for school_id, n in db.session.execute(assignments):
        if school_id in totals:
            totals[school_id].assignments = n
    for school_id, reached in class_rows.school_reached.items():
        if school_id in totals:
            totals[school_id].reached = reached
    return totals


# --------------------------------------------------------------------------- online share


def topic_totals(f):
    """{(subject_id, grade): number of catalogue topics}: one statement."""
    query = select(Topic.subject_id, Topic.grade, func.count()).group_by(Topic.subject_id, Topic.grade)
    if f.subject is not None:
        query = query.where(Topic.subject_id == f.subject.id)
    if f.grade is not None:
        query = query.where(Topic.grade == f.grade)
    return {(s, g): n for s, g, n in db.session.execute(query)}


def _covered(f):
    """Distinct (school_id, subject_id, grade, topic_id) covered in the school year: an approved
    material of the school on the topic, or an assignment given in the year using it (its
    material's or its questions' topic). Materials without a school (district staff) count for the
    district with school_id None: the select (`covered_topics` runs it, `covered_counts` counts it)."""
    M = Material
    # Subject and grade are applied through the topic.
    approved = select(M.school_id.label("school_id"), M.topic_id.label("topic_id")).where(
        M.topic_id.is_not(None), M.published_version_id.is_not(None), M.state != State.WITHDRAWN.value,
        M.published_at < f.end)
    # The topics used by the assignments given in the year: the summary's rows (summary.py), not
    # 100,000 assignments joined to their materials, questions and classes at every view.
    T = TopicSummary
    by_assignment = select(T.school_id, T.topic_id).where(T.school_year_id == f.year.id)
    if f.school_id is not None:
        approved = approved.where(M.school_id == f.school_id)
        by_assignment = by_assignment.where(T.school_id == f.school_id)
    used = union(approved, by_assignment).subquery("used")
    query = (select(used.c.school_id, Topic.subject_id, Topic.grade, used.c.topic_id)
             .join(Topic, Topic.id == used.c.topic_id))
    if f.subject is not None:
        query = query.where(Topic.subject_id == f.subject.id)
    if f.grade is not None:
        query = query.where(Topic.grade == f.grade)
    return query


def covered_topics(f):
    """Distinct (school_id, subject_id, grade, topic_id) covered in the school year (see `_covered`):
    one statement."""
    return db.session.execute(_covered(f)).all()


def covered_counts(f):
    """What `coverage` makes of the `covered_topics` rows, counted by the database: {school_id:
    {(subject_id, grade): topics covered}}, the whole district under None (every school's topics
    and the district staff's, each counted once). One statement; the city's 27,000 covered topics
    stay in the database."""
    c = _covered(f).cte("covered").c
    per_school = (select(false().label("whole"), c.school_id, c.subject_id, c.grade, func.count().label("n"))
                  .where(c.school_id.is_not(None)).group_by(c.school_id, c.subject_id, c.grade))
    district = (select(true(), literal_column("NULL"), c.subject_id, c.grade, func.count(func.distinct(c.topic_id)))
                .group_by(c.subject_id, c.grade))
    counts = {None: {}}
    for whole, school_id, subject_id, grade, n in db.session.execute(union_all(per_school, district)):
        counts.setdefault(None if whole else school_id, {})[(subject_id, grade)] = n
    return counts


@dataclass
class ShareRow:
    subject_id: int
    grade: int
    topics: int
    covered: int

    @property
    def share(self):
        return rate(self.covered, self.topics)

    @property
    def meets_target(self):
        return self.share is not None and self.share >= ONLINE_TARGET


def coverage(covered):
    """{school_id: {(subject_id, grade): {topic ids}}} from `covered_topics` rows, with the whole
    district under None: one pass, however many schools then ask."""
    seen = {None: {}}
    for row in covered:
        key = (row.subject_id, row.grade)
        seen.setdefault(row.school_id, {}).setdefault(key, set()).add(row.topic_id)
        seen[None].setdefault(key, set()).add(row.topic_id)
    return seen


def _size(topics):
    return topics if isinstance(topics, int) else len(topics)


def online_share(totals, covered, school_id=None):
    """[ShareRow] per subject and grade with catalogue topics, for one school (or the whole
    district when `school_id` is None), and the overall ShareRow (subject_id None). `covered` is
    `covered_topics` rows, their `coverage` index or `covered_counts`."""
    index = covered if isinstance(covered, dict) else coverage(covered)
    seen = index.get(school_id, {})
    rows = [ShareRow(s, g, n, _size(seen.get((s, g), 0))) for (s, g), n in sorted(totals.items())]
    overall = ShareRow(None, None, sum(r.topics for r in rows), sum(r.covered for r in rows))
    return rows, overall


# --------------------------------------------------------------------------- trends


def monthly_trends(f):
    """{series: {"YYYY-MM": n}} for assignments given, materials approved and quiz attempts
    submitted in the period, per month in the district's zone. One statement. Attempts are those
    of the students of the classes the assignment was given to (as every assignment statistic:
    summary.py's rows per class and month)."""
    M, G = Material, GivenSummary
    month = literal_column("month")
    first = int(f.year.name[:4])
    months = (f"{first}-08", f"{first + 1}-07")  # created in the period: its local month in the year
    given = (select(_constant("assignments").label("series"), G.month.label("month"), func.count().label("n"))
             .where(*_given_conditions(f), G.month >= months[0], G.month <= months[1])
             .group_by(G.month))
    D = DecisionSummary  # the approvals with their material's school, subject and grade: no join
    approved = (select(_constant("approvals").label("series"), _month(D.at).label("month"), func.count().label("n"))
                .where(D.item_type == M.ITEM_TYPE, D.action == Action.APPROVE.value, *_item_conditions(D, f, D.at))
                .group_by(month))
    # Attempts from the summary's rows per class, subject and month (summary.py), not the
    # half-million attempts of a city's year.
    S = MonthSummary
    attempts = (select(_constant("attempts").label("series"), S.month.label("month"), func.sum(S.attempts).label("n"))
                .where(*_summary_conditions(S, f), S.month >= months[0], S.month <= months[1])
                .group_by(S.month))
    if f.subject is not None:
        attempts = attempts.where(S.subject_id == f.subject.id)
    series = {"assignments": {}, "approvals": {}, "attempts": {}}
    for name, month, n in db.session.execute(union_all(given, approved, attempts)):
        series[name][month] = n
    return series


def months_of(f):
    """The twelve 'YYYY-MM' of the school year, August first."""
    first = int(f.year.name[:4])
    return [f"{first + (m > 12)}-{(m - 1) % 12 + 1:02d}" for m in range(8, 20)]


# --------------------------------------------------------------------------- DX metrics


def dx_metrics(f, teacher_rows=None):
    """{school_id: {metric: value}} for the measured DX criteria (indicators.METRICS), for the
    school year: five statements (four with teacher rows already loaded)."""
    A, G = Assignment, GivenSummary
    metrics = {}

    def put(school_id, name, value):
        metrics.setdefault(school_id, {})[name] = value

    year = Filters(f.year, None, None, f.school_id)
    # Grouped by subject too (a few hundred groups hashed, no sort of 100,000 rows for a DISTINCT):
    # the assignments per kind are the sum, the quiz subjects the groups with a subject.
    by_kind = (select(G.school_id, G.kind, G.subject_id, func.count())
               .where(*_given_conditions(year)).group_by(G.school_id, G.kind, G.subject_id))
    given, quiz_subjects = {}, {}
    for school_id, kind, subject_id, n in db.session.execute(by_kind):
        given[(school_id, kind)] = given.get((school_id, kind), 0) + n
        if kind == AssignmentKind.QUIZ.value and subject_id is not None:
            quiz_subjects[school_id] = quiz_subjects.get(school_id, 0) + 1
    for (school_id, kind), n in given.items():
        if kind == AssignmentKind.MATERIAL.value:
            put(school_id, "self_study_assignments", n)
        elif kind == AssignmentKind.QUIZ.value:
            put(school_id, "quizzes_given", n)
    taught = (select(Classroom.school_id, func.count(func.distinct(Teaching.subject_id)))
              .join(Classroom, Classroom.id == Teaching.classroom_id)
              .where(Classroom.school_year_id == f.year.id).group_by(Classroom.school_id))
    if f.school_id is not None:
        taught = taught.where(Classroom.school_id == f.school_id)
    for school_id, subjects in db.session.execute(taught):
        put(school_id, "quiz_subject_share", min(1.0, quiz_subjects.get(school_id, 0) / subjects) if subjects else 0)
    answered = (select(A.school_id, func.count(Inquiry.id)).join(A, A.id == Inquiry.assignment_id)
                .where(Inquiry.answered_at.is_not(None), Inquiry.answered_at >= f.start, Inquiry.answered_at < f.end)
                .group_by(A.school_id))
    if f.school_id is not None:
        answered = answered.where(A.school_id == f.school_id)
    for school_id, n in db.session.execute(answered):
        put(school_id, "inquiries_answered", n)
    has_parent = exists(select(Guardian.id).where(Guardian.student_id == User.id))
    students = (select(User.school_id, func.count(User.id), func.sum(case((has_parent, 1), else_=0)))
                .where(User.role == Role.STUDENT.value, User.active.is_(True), User.school_id.is_not(None))
                .group_by(User.school_id))
    if f.school_id is not None:
        students = students.where(User.school_id == f.school_id)
    for school_id, n, with_parent in db.session.execute(students):
        put(school_id, "students_with_parent_share", (with_parent or 0) / n if n else 0)
    approved = (select(Material.school_id, func.count(Material.id))
                .where(Material.school_id.is_not(None), Material.published_version_id.is_not(None),
                       Material.state != State.WITHDRAWN.value, Material.published_at < f.end)
                .group_by(Material.school_id))
    if f.school_id is not None:
        approved = approved.where(Material.school_id == f.school_id)
    for school_id, n in db.session.execute(approved):
        put(school_id, "approved_materials", n)
    if teacher_rows is None:
        teacher_rows = teacher_activity(year)
    by_school, _total = teacher_summary(teacher_rows)
    for school_id, summary in by_school.items():
        put(school_id, "teachers_active_share", summary.share("active") or 0)
        put(school_id, "teachers_building_share", summary.share("building") or 0)
    return metrics


def dx_entries(f):
    """{school_id: {criterion_code: DxEntry}} of the school year: one statement."""
    from .models import DxEntry

    query = select(DxEntry).where(DxEntry.school_year_id == f.year.id)
    if f.school_id is not None:
        query = query.where(DxEntry.school_id == f.school_id)
    entries = {}
    for entry in db.session.scalars(query):
        entries.setdefault(entry.school_id, {})[entry.criterion_code] = entry
    return entries
