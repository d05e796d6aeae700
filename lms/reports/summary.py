"""The summary rows the assignment statistics read (models.WorkSummary, models.ReachSummary,
models.MonthSummary): per assignment and class, the work its students did; per class, the students
reached per subject; per class, subject and month, the quiz attempts submitted.

Grouping a city's million pieces of work at every page view took 14 s on PostgreSQL (issue 13),
so the work is grouped when it changes instead. A session listener watches every flush and every
ORM UPDATE/DELETE/INSERT sent through the session for the rows the statistics are made of
(attempts, submissions, material views, assignments and the classes they were given to, class
lists, classes) and collects what they touch: an (assignment, student) pair, an assignment, a
class, or, when a statement cannot be told, everything. `summary_stale` announces it
(core/events.py), so only a commit changes the summary, and a job (jobs.py) computes the touched
rows again with the same statements `rebuild` runs for the whole table (the direct computation: one
truth). `flask lms rebuild-report-summary` rebuilds everything (after a migration, a bulk load, or
to check).
"""

from sqlalchemy import (
    and_,
    case,
    delete,
    event,
    false,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased, attributes

from ..assignments.models import (
    Assignment,
    AssignmentKind,
    AssignmentQuestion,
    Attempt,
    AttemptState,
    MaterialView,
    Submission,
    assignment_classroom,
)
from ..core import events
from ..core.events import EventSession
from ..extensions import db
from ..materials.models import Material
from ..questions.models import Question
from ..review.models import WorkflowEvent
from ..schools.models import Classroom, Enrollment
from .models import DecisionSummary, GivenSummary, MonthSummary, ReachSummary, TopicSummary, WorkSummary

summary_stale = events.signal("reports.summary-stale", "Work, assignments or class lists changed: the report "
                                                       "summary rows to compute again (payload: touched).")

_WORK = {"attempt", "submission", "material_view"}
_WATCHED = _WORK | {"assignment", "assignment_classroom", "enrollment", "classroom", "workflow_event",
                    "assignment_question"}
_ITEMS = {"material", "question"}  # only these columns, or a delete, touch the summary:
_ITEM_TOPIC, _ITEM_PLACE = {"topic_id"}, {"school_id", "subject_id", "grade"}  # TopicSummary, DecisionSummary
# Columns the statistics do not read: a change to only these touches nothing (an answer saved).
_QUIET = {"attempt": {"lock_version", "deadline_at"}, "submission": {"lock_version", "feedback"},
          "material_view": {"last_at", "views", "seconds"},
          "assignment": {"lock_version", "updated_at", "title", "instructions", "grades_released_at"}}
_TOUCHED = "lms.report_summary.touched"
_NEW = "lms.report_summary.new"
EVERYTHING = "*"
MANY_PAIRS = 50


# --------------------------------------------------------------------------- the computation


def _pairs(assignment_ids=None, classroom_ids=None):
    """One row per (assignment, student) that did something: complete, on time, best mark (the
    definitions of queries.py), for the given assignments (None: all) and, when given, only the
    students of those classes."""
    A, S, V, T = Assignment, Submission, MaterialView, Attempt
    submitted = T.state == AttemptState.SUBMITTED.value
    is_material = A.kind == AssignmentKind.MATERIAL.value

    def scoped(query, table):
        if assignment_ids is not None:
            query = query.where(table.assignment_id.in_(assignment_ids))
        if classroom_ids is not None:
            query = query.where(table.student_id.in_(
                select(Enrollment.student_id).where(Enrollment.classroom_id.in_(classroom_ids))))
        return query

    parts = union_all(
        scoped(select(T.assignment_id.label("aid"), T.student_id.label("sid"),
                      case((submitted, 1), else_=0).label("done"),
                      case((and_(submitted, T.late.is_(False)), 1), else_=0).label("on_time"),
                      T.mark.label("mark")), T),
        scoped(select(S.assignment_id, S.student_id, literal_column("1"), case((S.late.is_(False), 1), else_=0),
                      S.mark), S),
        scoped(select(V.assignment_id, V.student_id, case((is_material, 1), else_=0),
                      case((and_(is_material, V.first_at <= A.due_at), 1), else_=0), null())
               .join(A, A.id == V.assignment_id), V),
    ).subquery("outcome")
    return (select(parts.c.aid, parts.c.sid, func.max(parts.c.done).label("done"),
                   func.max(parts.c.on_time).label("on_time"), func.max(parts.c.mark).label("mark"))
            .group_by(parts.c.aid, parts.c.sid).subquery("pair"))


def _work_select(assignment_ids=None, classroom_ids=None):
    """WorkSummary rows computed from the work: every (assignment, class) given, with zeros when
    nobody did anything."""
    A, C, ac, E = Assignment, Classroom, assignment_classroom, Enrollment
    p = _pairs(assignment_ids, classroom_ids)
    ac2 = ac.alias("given")
    work = (select(p.c.aid, E.classroom_id.label("cid"), func.sum(p.c.done).label("done"),
                   func.sum(case((p.c.done == 1, p.c.on_time), else_=0)).label("on_time"),
                   func.sum(p.c.mark).label("mark_sum"), func.count(p.c.mark).label("marked"))
            .select_from(p).join(E, E.student_id == p.c.sid)
            .join(ac2, and_(ac2.c.assignment_id == p.c.aid, ac2.c.classroom_id == E.classroom_id))
            .group_by(p.c.aid, E.classroom_id).subquery("work"))
    query = (select(ac.c.assignment_id, ac.c.classroom_id, A.school_id, C.school_year_id, A.subject_id, C.grade,
                    A.due_at, func.coalesce(work.c.done, 0), func.coalesce(work.c.on_time, 0), work.c.mark_sum,
                    func.coalesce(work.c.marked, 0))
             .select_from(ac).join(A, A.id == ac.c.assignment_id).join(C, C.id == ac.c.classroom_id)
             .outerjoin(work, and_(work.c.aid == ac.c.assignment_id, work.c.cid == ac.c.classroom_id)))
    if assignment_ids is not None:
        query = query.where(ac.c.assignment_id.in_(assignment_ids))
    if classroom_ids is not None:
        query = query.where(ac.c.classroom_id.in_(classroom_ids))
    return query


_WORK_COLUMNS = ["assignment_id", "classroom_id", "school_id", "school_year_id", "subject_id", "grade", "due_at",
                 "done", "on_time", "mark_sum", "marked"]
_REACH_COLUMNS = ["classroom_id", "subject_id", "whole", "school_id", "school_year_id", "grade", "reached"]


def _reach_select(classroom_ids=None):
    """ReachSummary rows: per class, the students who did something per subject and in all."""
    A, C, ac, E = Assignment, Classroom, assignment_classroom, Enrollment
    given = select(ac.c.assignment_id)
    if classroom_ids is not None:
        given = given.where(ac.c.classroom_id.in_(classroom_ids))
    p = _pairs(given if classroom_ids is not None else None, classroom_ids)
    joined = (select(ac.c.classroom_id.label("cid"), A.subject_id.label("subject_id"), p.c.sid)
              .select_from(p).join(A, A.id == p.c.aid).join(ac, ac.c.assignment_id == p.c.aid)
              .join(E, and_(E.classroom_id == ac.c.classroom_id, E.student_id == p.c.sid)))
    if classroom_ids is not None:
        joined = joined.where(ac.c.classroom_id.in_(classroom_ids))
    j = joined.subquery("joined")
    counts = union_all(
        select(j.c.cid, j.c.subject_id, false().label("whole"), func.count(func.distinct(j.c.sid)).label("n"))
        .group_by(j.c.cid, j.c.subject_id),
        select(j.c.cid, null(), true(), func.count(func.distinct(j.c.sid))).group_by(j.c.cid),
    ).subquery("counts")
    return (select(counts.c.cid, counts.c.subject_id, counts.c.whole, C.school_id, C.school_year_id, C.grade,
                   counts.c.n).join(C, C.id == counts.c.cid))


_MONTH_COLUMNS = ["classroom_id", "subject_id", "month", "school_id", "school_year_id", "grade", "attempts"]


def _month_select(classroom_ids=None):
    """MonthSummary rows: per class, subject and month, the submitted quiz attempts of its students
    for the assignments given to it."""
    from .queries import month_of

    A, C, ac, E, T = Assignment, Classroom, assignment_classroom, Enrollment, Attempt
    month = month_of(T.submitted_at)
    query = (select(ac.c.classroom_id, A.subject_id, month, C.school_id, C.school_year_id, C.grade, func.count())
             .select_from(T).join(A, A.id == T.assignment_id).join(ac, ac.c.assignment_id == T.assignment_id)
             .join(E, and_(E.classroom_id == ac.c.classroom_id, E.student_id == T.student_id))
             .join(C, C.id == ac.c.classroom_id)
             .where(T.state == AttemptState.SUBMITTED.value, T.submitted_at.is_not(None))
             .group_by(ac.c.classroom_id, A.subject_id, month, C.school_id, C.school_year_id, C.grade))
    if classroom_ids is not None:
        query = query.where(ac.c.classroom_id.in_(classroom_ids))
    return query


def _within(column, ids):
    """The condition keeping a refresh to `ids` of `column` (none: every row)."""
    return () if ids is None else (column.in_(ids),)


def _replace(model, columns, rows, *scope):
    """The summary's rows in `scope` (all without one) deleted, and `rows` inserted in their place."""
    db.session.execute(delete(model).where(*scope))
    db.session.execute(insert(model.__table__).from_select(columns, rows))


def _write_months(classroom_ids=None):
    _replace(MonthSummary, _MONTH_COLUMNS, _month_select(classroom_ids),
             *_within(MonthSummary.classroom_id, classroom_ids))


def _write_work(assignment_ids=None, classroom_ids=None):
    W = WorkSummary
    _replace(W, _WORK_COLUMNS, _work_select(assignment_ids, classroom_ids),
             *_within(W.assignment_id, assignment_ids), *_within(W.classroom_id, classroom_ids))


def _write_reach(classroom_ids=None):
    _replace(ReachSummary, _REACH_COLUMNS, _reach_select(classroom_ids),
             *_within(ReachSummary.classroom_id, classroom_ids))


_GIVEN_COLUMNS = ["assignment_id", "school_year_id", "grade", "lead", "school_id", "subject_id", "teacher_id", "kind",
                  "month"]


def _given_select(assignment_ids=None):
    """GivenSummary rows: per assignment, school year and grade of the classes it was given to,
    `lead` on its lowest grade of each year."""
    from .queries import month_of

    A, C, ac = Assignment, Classroom, assignment_classroom
    grades = (select(ac.c.assignment_id.label("aid"), C.school_year_id.label("year"), C.grade.label("grade"))
              .join(C, C.id == ac.c.classroom_id).group_by(ac.c.assignment_id, C.school_year_id, C.grade))
    if assignment_ids is not None:
        grades = grades.where(ac.c.assignment_id.in_(assignment_ids))
    g = grades.subquery("grades").c
    lowest = func.min(g.grade).over(partition_by=(g.aid, g.year))
    return (select(g.aid, g.year, g.grade, case((g.grade == lowest, true()), else_=false()), A.school_id,
                   A.subject_id, A.teacher_id, A.kind, month_of(A.created_at))
            .join(A, A.id == g.aid))


_TOPIC_COLUMNS = ["assignment_id", "school_year_id", "topic_id", "school_id"]


def _topic_select(assignment_ids=None):
    """TopicSummary rows: per assignment given to a class of a school year, each topic it uses
    (its material's, its questions')."""
    A, AQ, C, ac, M, Q = Assignment, AssignmentQuestion, Classroom, assignment_classroom, Material, Question
    years = select(ac.c.assignment_id.label("aid"), C.school_year_id.label("year")).join(
        C, C.id == ac.c.classroom_id).group_by(ac.c.assignment_id, C.school_year_id)
    by_material = select(A.id.label("aid"), M.topic_id.label("topic_id")).join(M, M.id == A.material_id).where(
        M.topic_id.is_not(None))
    by_question = select(AQ.assignment_id, Q.topic_id).join(Q, Q.id == AQ.question_id).where(Q.topic_id.is_not(None))
    if assignment_ids is not None:
        years = years.where(ac.c.assignment_id.in_(assignment_ids))
        by_material = by_material.where(A.id.in_(assignment_ids))
        by_question = by_question.where(AQ.assignment_id.in_(assignment_ids))
    y, t = years.subquery("years"), union(by_material, by_question).subquery("topics")
    return (select(y.c.aid, y.c.year, t.c.topic_id, A.school_id).select_from(y).join(t, t.c.aid == y.c.aid)
            .join(A, A.id == y.c.aid))


def _write_topics(assignment_ids=None):
    _replace(TopicSummary, _TOPIC_COLUMNS, _topic_select(assignment_ids),
             *_within(TopicSummary.assignment_id, assignment_ids))


def _write_given(assignment_ids=None):
    _replace(GivenSummary, _GIVEN_COLUMNS, _given_select(assignment_ids),
             *_within(GivenSummary.assignment_id, assignment_ids))


_DECISION_COLUMNS = ["event_id", "item_type", "item_id", "action", "at", "hours", "school_id", "subject_id", "grade"]


def _by_type(items):
    by_type = {}
    for item_type, item_id in items:
        by_type.setdefault(item_type, set()).add(item_id)
    return by_type


def _decision_select(items=None):
    """DecisionSummary rows: every reviewer's decision with the hours from the item's latest
    submission before it (the definition of queries.review_decisions) and the item's school,
    subject and grade, of the given (item_type, item_id) pairs (None: all)."""
    from .queries import DECISIONS, _hours_between

    d, s = WorkflowEvent, aliased(WorkflowEvent)
    submitted = (select(func.max(s.at))
                 .where(s.item_type == d.item_type, s.item_id == d.item_id, s.action == "submit", s.at <= d.at)
                 .scalar_subquery())
    by_type = _by_type(items) if items is not None else None
    parts = []
    for model in (Material, Question):
        if by_type is not None and model.ITEM_TYPE not in by_type:
            continue
        part = (select(d.id, d.item_type, d.item_id, d.action, d.at, _hours_between(submitted, d.at),
                       model.school_id, model.subject_id, model.grade)
                .join(model, model.id == d.item_id)
                .where(d.item_type == model.ITEM_TYPE, d.action.in_(DECISIONS)))
        if by_type is not None:
            part = part.where(d.item_id.in_(sorted(by_type[model.ITEM_TYPE])))
        parts.append(part)
    if not parts:
        return None
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _write_decisions(items=None):
    D = DecisionSummary
    gone = delete(D)
    if items is not None:
        gone = gone.where(or_(false(), *(and_(D.item_type == t, D.item_id.in_(sorted(ids)))
                                         for t, ids in sorted(_by_type(items).items()))))
    db.session.execute(gone)
    rows = _decision_select(items)
    if rows is None:
        return
    if db.engine.dialect.name == "postgresql":
        # Two refreshes of one item at once: the later one's reading (after the other's commit) wins.
        put = postgresql.insert(D.__table__).from_select(_DECISION_COLUMNS, rows)
        db.session.execute(put.on_conflict_do_update(index_elements=["event_id"], set_={
            c: put.excluded[c] for c in ("hours", "school_id", "subject_id", "grade")}))
    else:  # one writer at a time
        db.session.execute(insert(D.__table__).from_select(_DECISION_COLUMNS, rows))


def rebuild():
    """Every summary row computed again from the work (not committed): (work rows, reach rows)."""
    _write_work()
    _write_reach()
    _write_months()
    _write_given()
    _write_topics()
    _write_decisions()
    count = select(func.count())
    return (db.session.scalar(count.select_from(WorkSummary)), db.session.scalar(count.select_from(ReachSummary)))


def refresh(touched):
    """Compute again the rows `touched` names: {"pairs": {(assignment, student)}, "assignments":
    {ids}, "classes": {ids}, "items": {(item_type, item_id)} (review events), "given": {assignment
    ids} (of deleted classes, changed question lists), "topics": {(item_type, item_id)} (a topic
    changed)} or EVERYTHING. Not committed."""
    if touched == EVERYTHING or EVERYTHING in touched:
        rebuild()
        return
    if touched.get("items"):
        _write_decisions(sorted(touched["items"]))
    ac, E = assignment_classroom, Enrollment
    if len(touched.get("pairs", ())) > MANY_PAIRS:  # a bulk load: whole assignments, not one pair at a time
        touched = {**touched, "assignments": set(touched.get("assignments", ())) | {a for a, _s in touched["pairs"]},
                   "pairs": set()}
    by_class = {}  # classroom -> assignments whose rows in that class change
    pairs = touched.get("pairs", set()) - {(a, s) for a, s in touched.get("pairs", set())
                                           if a in touched.get("assignments", set())}
    for aid, sid in sorted(pairs):
        rooms = db.session.execute(select(ac.c.classroom_id).join(E, E.classroom_id == ac.c.classroom_id)
                                   .where(ac.c.assignment_id == aid, E.student_id == sid)).scalars()
        for cid in rooms:
            by_class.setdefault(cid, set()).add(aid)
    whole_classes = set(touched.get("classes", ()))
    assignments = sorted(touched.get("assignments", ()))
    # What was given to which grade: the touched assignments, those of the touched classes (a grade
    # or year changed), those of classes deleted (found before the delete: summary._note).
    given = set(assignments) | set(touched.get("given", ()))
    if whole_classes:
        given |= set(db.session.scalars(select(ac.c.assignment_id).where(ac.c.classroom_id.in_(sorted(whole_classes)))))
    topics = touched.get("topics", set())  # materials and questions whose topic changed: who uses them
    for model, ids in ((Material, {i for t, i in topics if t == "material"}),
                       (Question, {i for t, i in topics if t == "question"})):
        if ids:
            column = Assignment.material_id if model is Material else AssignmentQuestion.question_id
            owner = Assignment.id if model is Material else AssignmentQuestion.assignment_id
            given |= set(db.session.scalars(select(owner).where(column.in_(sorted(ids)))))
    if given:
        _write_given(sorted(given))
        _write_topics(sorted(given))
    classes = whole_classes | set(by_class)
    if assignments:
        W = WorkSummary
        classes |= set(db.session.scalars(select(W.classroom_id).where(W.assignment_id.in_(assignments))))
        classes |= set(db.session.scalars(select(ac.c.classroom_id).where(ac.c.assignment_id.in_(assignments))))
    if not classes and not assignments:
        return
    # Every row written belongs to one of these classes: whoever refreshes a class waits for the
    # one refreshing it before (PostgreSQL; SQLite has one writer), and then reads what it committed.
    db.session.execute(select(Classroom.id).where(Classroom.id.in_(sorted(classes))).order_by(Classroom.id)
                       .with_for_update(key_share=True)).all()
    if assignments:
        _write_work(assignments)
    for cid in sorted(whole_classes):
        _write_work(None, [cid])
    for cid, aids in sorted(by_class.items()):
        if cid not in whole_classes:
            _write_work(sorted(aids), [cid])
    if classes:
        _write_reach(sorted(classes))
        _write_months(sorted(classes))


# --------------------------------------------------------------------------- what changed


def _touched(session):
    found = session.info.get(_TOUCHED)
    if found is None:
        found = session.info[_TOUCHED] = {"pairs": set(), "assignments": set(), "classes": set(), "items": set()}
        events.announce(summary_stale, session=session, touched=found)
    return found


def _item_changed(touched, table, item_id, topic, place):
    if topic:
        touched.setdefault("topics", set()).add((table, item_id))
    if place:
        touched["items"].add((table, item_id))


def _given_to(session, touched, classroom_id):
    """The assignments given to a class about to be deleted (its assignment_classroom rows go with
    it): their GivenSummary rows are computed again."""
    ac = assignment_classroom
    with session.no_autoflush:
        found = session.execute(select(ac.c.assignment_id).where(ac.c.classroom_id == classroom_id)).scalars()
        touched.setdefault("given", set()).update(found)


def _table(obj):
    return getattr(type(obj), "__tablename__", None)


def _note(session, table, obj):
    touched = _touched(session)
    if table in _WORK:
        if obj.assignment_id is None or obj.student_id is None:
            touched[EVERYTHING] = True
        else:
            touched["pairs"].add((obj.assignment_id, obj.student_id))
    elif table == "assignment":
        touched["assignments"].add(obj.id)
        if obj in session.deleted:
            with session.no_autoflush:
                touched["classes"].update(c.id for c in obj.classrooms)
    elif table == "enrollment":
        if obj.classroom_id is None:
            touched[EVERYTHING] = True
        touched["classes"].add(obj.classroom_id)
        committed = attributes.instance_state(obj).committed_state.get("classroom_id")
        if isinstance(committed, int):
            touched["classes"].add(committed)
    elif table == "classroom":
        touched["classes"].add(obj.id)
        if obj in session.deleted:
            _given_to(session, touched, obj.id)
    elif table == "assignment_question":
        given = touched.setdefault("given", set())
        if obj.assignment_id is None:
            touched[EVERYTHING] = True
        given.add(obj.assignment_id)
        committed = attributes.instance_state(obj).committed_state.get("assignment_id")
        if isinstance(committed, int):
            given.add(committed)
    elif table == "workflow_event":
        if obj.item_type is None or obj.item_id is None:
            touched[EVERYTHING] = True
        else:
            touched["items"].add((obj.item_type, obj.item_id))
        committed = attributes.instance_state(obj).committed_state
        if isinstance(committed.get("item_id"), int) or isinstance(committed.get("item_type"), str):
            touched["items"].add((committed.get("item_type", obj.item_type), committed.get("item_id", obj.item_id)))


@event.listens_for(EventSession, "before_flush")
def _before_flush(session, _context, _instances):
    for obj in session.new:
        if _table(obj) in _WATCHED:
            session.info.setdefault(_NEW, []).append(obj)  # its ids are known after the flush
    for obj in list(session.dirty) + list(session.deleted):
        table = _table(obj)
        if table in _ITEMS:
            # A used material or question cannot be deleted (foreign keys): a delete touches its decisions.
            gone = obj in session.deleted
            changed = set() if gone else set(attributes.instance_state(obj).committed_state)
            if gone or (session.is_modified(obj) and changed & (_ITEM_TOPIC | _ITEM_PLACE)):
                _item_changed(_touched(session), table, obj.id, changed & _ITEM_TOPIC, gone or changed & _ITEM_PLACE)
            continue
        if table not in _WATCHED:
            continue
        if obj not in session.deleted:
            if not session.is_modified(obj):
                continue
            changed = set(attributes.instance_state(obj).committed_state)
            if table in _QUIET and changed <= _QUIET[table]:
                continue
        _note(session, table, obj)


@event.listens_for(EventSession, "after_flush")
def _after_flush(session, _context):
    for obj in session.info.pop(_NEW, ()):
        _note(session, _table(obj), obj)


def _equalities(clause, found):
    """{column name: value} of the `column = value` comparisons ANDed in a WHERE clause."""
    from sqlalchemy.sql import operators
    from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, ColumnElement

    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        for part in clause.clauses:
            _equalities(part, found)
    elif isinstance(clause, BinaryExpression) and clause.operator is operators.eq:
        left, right = clause.left, clause.right
        if isinstance(right, BindParameter) and isinstance(left, ColumnElement) and hasattr(left, "name"):
            found[left.name] = right.effective_value
    return found


def _inserted_rows(orm_execute_state):
    """The rows an INSERT sends: its VALUES, or its parameter list (executemany)."""
    values = getattr(orm_execute_state.statement, "_values", None) or {}
    row = {getattr(column, "key", column): getattr(value, "effective_value", value) for column, value in values.items()}
    parameters = orm_execute_state.parameters
    if isinstance(parameters, dict):
        return [{**row, **parameters}]
    if parameters:
        return [{**row, **p} for p in parameters]
    return [row]


def _object(session, table, row_id):
    model = {"attempt": Attempt, "submission": Submission, "material_view": MaterialView}.get(table)
    if model is None or row_id is None:
        return None
    return session.identity_map.get(session.identity_key(model, (row_id,)))


@event.listens_for(EventSession, "do_orm_execute")
def _statement(orm_execute_state):
    """UPDATE, DELETE and INSERT statements sent through the session: what they touch from their
    VALUES or WHERE clause (`assignment_id = … AND student_id = …`, `id = …` of a row the session
    holds, `classroom_id = …`), everything when it cannot be told."""
    state = orm_execute_state
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    statement = state.statement
    table = getattr(getattr(statement, "table", None), "name", None)
    if table in _ITEMS:
        values = {getattr(column, "key", column) for column in (getattr(statement, "_values", None) or {})}
        if state.is_insert or (state.is_update and not values & (_ITEM_TOPIC | _ITEM_PLACE)):
            return  # new items have no decisions and are used by nothing yet; the rest is not read
        where = {}
        for criterion in getattr(statement, "_where_criteria", ()):
            _equalities(criterion, where)
        touched = _touched(state.session)
        if where.get("id") is not None:
            _item_changed(touched, table, where["id"], values & _ITEM_TOPIC, state.is_delete or values & _ITEM_PLACE)
        else:
            touched[EVERYTHING] = True
        return
    if table not in _WATCHED:
        return
    session = state.session
    if state.is_update:
        values = {getattr(column, "key", column) for column in (getattr(statement, "_values", None) or {})}
        if table in _QUIET and values and values <= _QUIET[table]:
            return
    touched = _touched(session)
    if state.is_insert:
        for row in _inserted_rows(state):
            if table in _WORK and row.get("assignment_id") is not None and row.get("student_id") is not None:
                touched["pairs"].add((row["assignment_id"], row["student_id"]))
            elif table == "assignment_classroom" and row.get("assignment_id") is not None:
                touched["assignments"].add(row["assignment_id"])
            elif table == "enrollment" and row.get("classroom_id") is not None:
                touched["classes"].add(row["classroom_id"])
            elif table == "workflow_event" and row.get("item_type") is not None and row.get("item_id") is not None:
                touched["items"].add((row["item_type"], row["item_id"]))
            elif table == "assignment_question" and row.get("assignment_id") is not None:
                touched.setdefault("given", set()).add(row["assignment_id"])
            elif table != "assignment" and table != "classroom":  # new ones have no work yet
                touched[EVERYTHING] = True
        return
    where = {}
    for criterion in getattr(statement, "_where_criteria", ()):
        _equalities(criterion, where)
    if table in _WORK:
        if "assignment_id" in where and "student_id" in where:
            touched["pairs"].add((where["assignment_id"], where["student_id"]))
            return
        found = _object(session, table, where.get("id"))
        if found is not None:
            touched["pairs"].add((found.assignment_id, found.student_id))
            return
    elif table in ("assignment", "assignment_classroom"):
        key = "id" if table == "assignment" else "assignment_id"
        if where.get(key) is not None:
            touched["assignments"].add(where[key])
            return
    elif table in ("enrollment", "classroom"):
        key = "id" if table == "classroom" else "classroom_id"
        if where.get(key) is not None:
            touched["classes"].add(where[key])
            if table == "classroom" and state.is_delete:
                _given_to(session, touched, where[key])
            return
    elif table == "assignment_question":
        if where.get("assignment_id") is not None and not (state.is_update and "assignment_id" in values):
            touched.setdefault("given", set()).add(where["assignment_id"])
            return
    elif table == "workflow_event":
        if where.get("item_type") is not None and where.get("item_id") is not None and \
                not (state.is_update and {"item_type", "item_id"} & values):
            touched["items"].add((where["item_type"], where["item_id"]))
            return
    touched[EVERYTHING] = True


def _forget(session, *_args):
    session.info.pop(_TOUCHED, None)
    session.info.pop(_NEW, None)


event.listen(EventSession, "after_commit", _forget)
event.listen(EventSession, "after_rollback", _forget)
