"""Writes of the question bank: questions and their versions, import (preview → confirm), sets
submitted together, bulk review of a set, and export.

Every function takes the actor explicitly, flushes and never commits; the view, the API or the
CLI commits once. A file's questions are written all or nothing: `confirm_import` writes every
question of a preview in the caller's transaction, or raises before the caller commits anything.
The workflow itself (submit, claim, decide, withdraw) is the review engine's
(`lms.review.services`); a new version is its `revise` transition.
"""

import hashlib
import json
import re
from collections.abc import Sequence

from ..core import events
from ..core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError, _
from ..core.text import clean_line, fold, nfc, tone_canonical
from ..core.timeutil import utcnow
from ..extensions import db
from ..review import permissions as review_perms
from ..review import services as review_services
from ..review.workflow import Action, State, TransitionRefused
from ..schools import fields
from ..schools.models import Subject, Topic
from . import cleanup, formats, permissions, signals, types
from . import images as question_images
from .formats import aiken
from .models import SUMMARY_MAX, ImportState, Question, QuestionImport, QuestionVersion, VersionStatus

MAX_STEM = types.MAX_TEXT
MAX_EXPLANATION = types.MAX_TEXT
MAX_TAGS = 20
MAX_TAG = 60
MAX_OUTCOME = 60
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_QUESTIONS = 5_000
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # read at most this much of a question's picture (lms/files limits it too)
# How an imported file is kept in the file store (QuestionImport.stored_file): (mime, kind code).
IMPORT_FILE_KINDS = {
    "gift": ("text/plain; charset=utf-8", "text"),
    "aiken": ("text/plain; charset=utf-8", "text"),
    "moodle_xml": ("application/xml", "xml"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
EXPORT_FORMATS = {
    "gift": ("text/plain; charset=utf-8", "txt"),
    "moodle_xml": ("application/xml", "xml"),
    "aiken": ("text/plain; charset=utf-8", "txt"),
}
SKIP = "skip"


# --- text --------------------------------------------------------------------------------------

def normalised_stem(stem):
    """The stem as duplicates are compared: NFC, tone marks in one place (hoà = hòa), case and
    runs of whitespace ignored. Diacritics are kept: "bà" and "ba" are different words."""
    return " ".join(tone_canonical(nfc(stem or "")).casefold().split())


def text_key(stem):
    """QuestionVersion.text_key: the SHA-256 of the normalised stem (fits an index on both
    databases, whatever the stem's length)."""
    return hashlib.sha256(normalised_stem(stem).encode("utf-8")).hexdigest()


def summary_of(stem):
    """Question.summary: the stem on one line, cut before SUMMARY_MAX, never inside a picture's
    marker (lists turn whole markers into a label: images.line)."""
    line = clean_line(re.sub(r"<[^>]+>", " ", stem or ""))
    if len(line) <= SUMMARY_MAX:
        return line
    cut = SUMMARY_MAX - 1
    for found in question_images.MARKER.finditer(line, 0, SUMMARY_MAX + 240):
        if found.start() < cut < found.end():
            cut = found.start()
    return line[:cut].rstrip() + "…"


def _clean_text(value):
    """Multi-line text typed by a person: NFC, Windows line ends made plain, trailing space cut."""
    text = nfc(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


# --- metadata ----------------------------------------------------------------------------------

_subject = fields.subject  # the curriculum fields, shared with the other item types
_grade = fields.grade
_topic = fields.topic


def _level(value, errors):
    level = clean_line(value)
    if not level:
        return None
    if level in types.LEVELS:
        return level
    errors["level"] = _("Chọn một trong: %(choices)s.", choices=", ".join(types.LEVELS))
    return None


def _tags(value, errors):
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        errors["tags"] = _("Thẻ là danh sách chữ, cách nhau bằng dấu phẩy.")
        return []
    tags = []
    for tag in (clean_line(t) for t in value):
        if tag and tag not in tags:
            tags.append(tag[:MAX_TAG])
    if len(tags) > MAX_TAGS:
        errors["tags"] = _("Tối đa %(max)s thẻ.", max=MAX_TAGS)
    return tags


def validate_content(qtype, stem, data, explanation, errors, images=()):
    """The cleaned (stem, data, explanation) of a question of `qtype`; problems go in `errors`,
    the type's under their own names (options.2.text...). Picture markers may only name the
    StoredFile ids in `images` (see questions/images.py)."""
    stem = _clean_text(stem)
    if not stem:
        errors["stem"] = _("Cần nội dung câu hỏi.")
    elif len(stem) > MAX_STEM:
        errors["stem"] = _("Tối đa %(max)s kí tự.", max=MAX_STEM)
    explanation = _clean_text(explanation)
    if len(explanation) > MAX_EXPLANATION:
        errors["explanation"] = _("Tối đa %(max)s kí tự.", max=MAX_EXPLANATION)
    cleaned = {}
    if qtype in types.TYPES:
        try:
            cleaned = types.get(qtype).validate(data if data is not None else {})
        except ValidationError as error:
            errors.update(error.details)
    question_images.check_markers(stem, data, explanation, images, errors)
    return stem, cleaned, explanation


def validate_question(data, qtype=None, images=()):
    """Clean every field of a question (API.md: subject, grade, topic, level, qtype, stem, data,
    explanation; also tags and outcome) or raise ValidationError listing each bad field.
    `images`: the StoredFile ids its picture markers may name."""
    errors = {}
    subject = _subject(data.get("subject"), errors)
    grade = _grade(data.get("grade"), subject, errors)
    topic = _topic(data.get("topic"), subject, grade, errors)
    level = _level(data.get("level"), errors)
    qtype = qtype or clean_line(data.get("qtype"))
    if qtype not in types.TYPES:
        errors["qtype"] = _("Chọn một trong: %(choices)s.", choices=", ".join(types.TYPES))
    stem, cleaned, explanation = validate_content(qtype, data.get("stem"), data.get("data"),
                                                  data.get("explanation"), errors, images)
    tags = _tags(data.get("tags"), errors)
    outcome = clean_line(data.get("outcome"))
    if len(outcome) > MAX_OUTCOME:
        errors["outcome"] = _("Tối đa %(max)s kí tự.", max=MAX_OUTCOME)
    if errors:
        raise ValidationError(_("Câu hỏi chưa hợp lệ."), errors)
    return {"subject": subject, "grade": grade, "topic": topic, "level": level, "qtype": qtype, "stem": stem,
            "data": cleaned, "explanation": explanation, "tags": tags, "outcome": outcome}


def fields_of(question):
    """The question's fields as a `validate_question` input (the base a PATCH overlays)."""
    version = question.current_version
    return {"subject": question.subject, "grade": question.grade, "topic": question.topic_id,
            "level": question.level, "qtype": question.qtype, "stem": version.stem if version else "",
            "data": version.data if version else {}, "explanation": version.explanation if version else "",
            "tags": list(question.tags or []), "outcome": question.outcome}


# --- questions and versions --------------------------------------------------------------------

def _new_question(owner, values, import_id=None, note=""):
    now = utcnow()
    question = Question(owner_id=owner.id, school_id=owner.school_id, state=State.DRAFT.value,
                        subject=values["subject"], grade=values["grade"], topic=values["topic"],
                        level=values["level"], qtype=values["qtype"], tags=values["tags"],
                        outcome=values["outcome"], summary=summary_of(values["stem"]), import_id=import_id,
                        created_at=now, updated_at=now)
    version = QuestionVersion(number=1, stem=values["stem"], data=values["data"],
                              explanation=values["explanation"], text_key=text_key(values["stem"]),
                              note=note or "Phiên bản đầu tiên.", status=VersionStatus.DRAFT.value,
                              created_by_id=owner.id, created_at=now)
    question.versions.append(version)
    question.current_version = version
    db.session.add(question)
    return question


def store_image(image):
    """The StoredFile of a picture sent with a question (`image`: (bytes, file name)), stored
    through lms/files; a file that is not an image is refused at the `image` field."""
    from ..files import services as files

    data, filename = image
    try:
        return files.store_image(data, filename)
    except files.NotAnImage as error:
        message = _("Tệp “%(name)s” không phải ảnh: %(what)s.", name=filename, what=error.message)
    except DomainError as error:
        message = error.message
    raise ValidationError(message, {"image": message})


def _with_image(data, image):
    """`data` with the picture's marker at the end of its stem, and the ids it may name."""
    if not image or not image[0]:
        return data, set()
    row = store_image(image)
    stem = _clean_text(data.get("stem"))
    return {**data, "stem": (stem + "\n" if stem else "") + question_images.marker(row.id)}, {row.id}


def create_question(owner, data, image=None):
    """A new question in draft with its first version; `image` ((bytes, file name), optional) is
    stored through lms/files and shown at the end of the stem."""
    if not permissions.can_author(owner):
        raise Forbidden(_("Chỉ giáo viên soạn câu hỏi."))
    data, images = _with_image(data, image)
    question = _new_question(owner, validate_question(data, images=images))
    db.session.flush()
    events.announce(signals.questions_changed, question_ids=[question.id])
    return question


def _refuse_revise(question, error):
    details = {"state": error.state.value, "action": error.action.value}
    if error.reason == "state":
        return DomainError("invalid_transition",
                           _("Chỉ sửa câu hỏi khi câu hỏi không ở trong quy trình thẩm định (hiện: %(state)s).",
                             state=_(review_services.state_label(question.state))), details, status=409)
    return Forbidden(review_services.refusal_message(error.state, error.action, error.reason), details)


def check_can_edit(question, actor):
    """Raise 403/409 unless the workflow lets the actor revise the question now."""
    try:
        review_perms.check_transition(actor, question, Action.REVISE)
    except TransitionRefused as error:
        raise _refuse_revise(question, error) from None


def update_question(question, actor, data, note=None, image=None):
    """Change the fields present in `data`. A changed stem, data or explanation is a new immutable
    version (the review engine's `revise`: an approved question keeps its approved version
    published until the new one is approved); metadata changes with it. The type is fixed.
    Pictures: those of the current version stay usable; `image` adds one at the end of the stem."""
    check_can_edit(question, actor)
    merged = fields_of(question)
    allowed = question_images.ids_in(merged["stem"], merged["data"], merged["explanation"])
    merged.update({k: v for k, v in data.items() if k in merged and k != "qtype"})
    if "qtype" in data and clean_line(data["qtype"]) != question.qtype:
        raise ValidationError(_("Không đổi được loại câu hỏi; hãy soạn câu hỏi mới."),
                              {"qtype": _("Không đổi được loại câu hỏi; hãy soạn câu hỏi mới.")})
    merged, added = _with_image(merged, image)
    values = validate_question(merged, qtype=question.qtype, images=allowed | added)
    current = question.current_version
    content_changed = current is None or (values["stem"], values["data"], values["explanation"]) != (
        current.stem, current.data, current.explanation)
    metadata = {"subject": values["subject"], "grade": values["grade"], "topic": values["topic"],
                "level": values["level"], "tags": values["tags"], "outcome": values["outcome"]}
    metadata_changed = (values["subject"].id != question.subject_id or values["grade"] != question.grade
                        or (values["topic"].id if values["topic"] else None) != question.topic_id
                        or values["level"] != question.level or values["tags"] != list(question.tags or [])
                        or values["outcome"] != question.outcome)
    if not content_changed and not metadata_changed:
        return question
    if question.is_published() and metadata_changed and (
            values["subject"].id != question.subject_id or values["grade"] != question.grade):
        message = _("Câu hỏi đã công bố không đổi được môn hay khối lớp.")
        raise ValidationError(message, {"subject": message})

    def new_version():  # once the revise transition has won: two edits at once make one version
        previous = question.current_version
        if previous is not None and previous.status != VersionStatus.PUBLISHED:
            previous.status = VersionStatus.SUPERSEDED.value
        version = QuestionVersion(
            number=(max(v.number for v in question.versions) if question.versions else 0) + 1,
            stem=values["stem"], data=values["data"], explanation=values["explanation"],
            text_key=text_key(values["stem"]), note=clean_line(note)[:500], status=VersionStatus.DRAFT.value,
            created_by_id=actor.id, created_at=utcnow())
        question.versions.append(version)
        question.current_version = version
        for name, value in metadata.items():
            setattr(question, name, value)
        question.summary = summary_of(values["stem"])
        question.updated_at = utcnow()
        db.session.flush()

    review_services.revise(question, actor, clean_line(note) or None, change=new_version)
    events.announce(signals.questions_changed, question_ids=[question.id])
    return question


# --- import: preview, then confirm -------------------------------------------------------------

def parse_file(fmt, data, filename):
    """The format's ParseResult. The dispatcher (formats.parse) reads every format; before it
    exists, Aiken is read directly."""
    if fmt not in formats.FORMATS:
        message = _("Chọn một định dạng: %(choices)s.", choices=", ".join(formats.FORMATS))
        raise ValidationError(message, {"format": message})
    dispatcher = getattr(formats, "parse", None)
    if dispatcher is not None:
        return dispatcher(fmt, data, filename)
    if fmt == "aiken":
        return aiken.parse(data, filename)
    message = _("Định dạng %(format)s chưa đọc được.", format=fmt)
    raise ValidationError(message, {"format": message})


def _topic_index(subject, grade):
    topics = db.session.scalars(db.select(Topic).where(Topic.subject_id == subject.id, Topic.grade == grade)).all()
    index = {}
    for topic in topics:
        for key in (topic.label, topic.chapter, topic.lesson):
            if key:
                index.setdefault(" ".join(fold(key).split()), topic)
    return index


def match_topic(category, index):
    """The catalogue topic an imported category (GIFT $CATEGORY, an XML category path, a Word
    section) names: its whole text or its last path segment, compared folded."""
    if not category:
        return None
    candidates = [category] + [part for part in re.split(r"[/|]", category)[::-1] if part.strip()]
    for candidate in candidates:
        topic = index.get(" ".join(fold(re.sub(r"\$\w+\$", "", candidate)).split()))
        if topic is not None:
            return topic
    return None


def _duplicates(user, keys):
    """{text_key: question id} for the keys already in the bank as the user may see it: approved
    questions and the user's own (never another teacher's draft)."""
    found = {}
    keys = list(keys)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows = db.session.execute(
            db.select(QuestionVersion.text_key, Question.id).join(Question, Question.id == QuestionVersion.question_id)
            .where(QuestionVersion.text_key.in_(chunk),
                   db.or_(Question.owner_id == user.id,
                          db.and_(QuestionVersion.id == Question.published_version_id,
                                  Question.state != State.WITHDRAWN.value)))
            .order_by(Question.id)).all()
        for key, question_id in rows:
            found.setdefault(key, question_id)
    return found


def preview_import(actor, fmt, data, filename, subject, grade, replaces=None):
    """Parse a whole question file and keep what was understood in a QuestionImport (state
    preview): each question with its notes, its topic (an unknown category is kept as a tag and
    flagged), whether its text is already in the bank or earlier in the file, and the answers a
    Word file could not tell. Nothing enters the bank here. `replaces`: the id of the actor's
    earlier preview this upload replaces (the file sent again, corrected): once this one is read,
    that one is discarded with the files only it kept (questions/cleanup.py)."""
    if not permissions.can_import(actor):
        raise Forbidden(_("Chỉ giáo viên nhập câu hỏi."))
    errors = {}
    subject = _subject(subject, errors)
    grade = _grade(grade, subject, errors)
    if not data:
        errors["file"] = _("Chọn tệp câu hỏi.")
    elif len(data) > MAX_IMPORT_BYTES:
        errors["file"] = _("Tệp câu hỏi tối đa %(max)s MB.", max=MAX_IMPORT_BYTES // (1024 * 1024))
    try:
        result = parse_file(fmt, data or b"", filename or "") if not errors.get("file") else None
    except ValidationError as error:
        errors.update(error.details)
        result = None
    except DomainError as error:  # a broken or unsafe .docx/XML file (core.documents): 415/422
        errors["file"] = error.message
        result = None
    if errors:
        raise ValidationError(_("Chưa nhập được tệp."), errors)
    problems = [{"line": p.line, "message": p.message} for p in result.errors]
    if len(result.questions) > MAX_IMPORT_QUESTIONS:
        problems.append({"line": None, "message": _("Tệp có %(n)s câu hỏi; mỗi lần nhập tối đa %(max)s câu.",
                                                    n=len(result.questions), max=MAX_IMPORT_QUESTIONS)})
    if not result.questions and not problems:
        problems.append({"line": None, "message": _("Không tìm thấy câu hỏi nào trong tệp.")})
    topics = _topic_index(subject, grade)
    keys = [text_key(q.stem) for q in result.questions]
    in_bank = _duplicates(actor, set(keys))
    first_line, topic_of = {}, {}
    questions = []
    for index, (parsed, key) in enumerate(zip(result.questions, keys, strict=True)):
        notes = [str(n) for n in parsed.notes]
        tags = [clean_line(t)[:MAX_TAG] for t in parsed.tags if clean_line(t)]
        if parsed.category not in topic_of:  # a file has few categories: each matched once
            topic_of[parsed.category] = match_topic(parsed.category, topics)
        topic = topic_of[parsed.category]
        if parsed.category and topic is None:
            category = clean_line(parsed.category)[:MAX_TAG]
            if category not in tags:
                tags.append(category)
            notes.append(_("Chủ đề “%(category)s” không có trong danh mục của môn và khối này: giữ làm thẻ.",
                           category=category))
        duplicate = None
        if key in in_bank:
            duplicate = {"question_id": in_bank[key], "line": None}
        elif key in first_line:
            duplicate = {"question_id": None, "line": first_line[key]}
        first_line.setdefault(key, parsed.line)
        questions.append({
            "index": index, "line": parsed.line, "qtype": parsed.qtype, "stem": parsed.stem,
            "data": parsed.data, "explanation": parsed.explanation or "", "level": parsed.level,
            "name": parsed.name, "tags": tags[:MAX_TAGS], "category": parsed.category,
            "topic": topic.id if topic else None, "topic_label": topic.label if topic else None,
            "notes": notes, "duplicate": duplicate, "unresolved": parsed.unresolved or None,
        })
    images = []
    if result.pictures:  # Word: each picture a question shows is stored and named by its marker
        from .formats import docx

        images, picture_problems = question_images.store_pictures(questions, result.pictures, docx.IMAGE_TOKEN_RE,
                                                                  docx.IMAGE_TOKEN)
        problems.extend(picture_problems)
    for item, key in zip(questions, keys, strict=True):
        _check_item(item, key, images, problems)
    record = QuestionImport(owner_id=actor.id, format=fmt, filename=clean_line(filename)[:255],
                            subject_id=subject.id, grade=grade, state=ImportState.PREVIEW.value,
                            result={"questions": questions, "errors": problems, "images": images,
                                    "warnings": [{"line": p.line, "message": p.message} for p in result.warnings]},
                            question_ids=[], file_id=_store_import_file(fmt, data, filename).id,
                            created_at=utcnow())
    db.session.add(record)
    db.session.flush()
    if replaces:
        earlier = db.session.get(QuestionImport, replaces) if str(replaces).isdecimal() else None
        if permissions.owns_import(actor, earlier) and earlier.state == ImportState.PREVIEW.value:
            cleanup.delete_previews([earlier])
    return record


def discard_preview(actor, record):
    """Cancel an import's preview: the record and the files only it kept (its pictures, the
    uploaded file) are deleted (questions/cleanup.py). Only its owner, only while it is a preview
    (409 once confirmed, even by a confirmation that wins a race with this)."""
    if not permissions.owns_import(actor, record):
        raise NotFound()
    if record.state != ImportState.PREVIEW.value or not cleanup.delete_previews([record]):
        raise Conflict("already_confirmed", _("Tệp này đã được nhập vào kho nên không huỷ được bản xem trước."))


def _check_item(item, key, images, problems):
    """Check a previewed question's text once, at the preview (the confirmation then writes it as
    it is): stem and explanation cleaned (NFC, trimmed) and within their limits, its pictures its
    import's own. Its type's data was validated by the parser (formats: ParsedQuestion.data); a
    question whose answer the file did not tell is checked whole once the teacher picks it.
    Marks the item `checked` and keeps its duplicate key; a problem is an error of the file."""
    if item["unresolved"]:
        return
    errors = {}
    stem, explanation = _clean_text(item["stem"]), _clean_text(item["explanation"])
    if not stem:
        errors["stem"] = _("Cần nội dung câu hỏi.")
    elif len(stem) > MAX_STEM:
        errors["stem"] = _("Tối đa %(max)s kí tự.", max=MAX_STEM)
    if len(explanation) > MAX_EXPLANATION:
        errors["explanation"] = _("Tối đa %(max)s kí tự.", max=MAX_EXPLANATION)
    question_images.check_markers(stem, item["data"], explanation, images, errors)
    if errors:
        problems.append({"line": item["line"], "message": _(
            "Câu ở dòng %(line)s chưa hợp lệ: %(detail)s", line=item["line"],
            detail="; ".join(f"{k}: {v}" for k, v in errors.items()))})
        return
    item.update(stem=stem, explanation=explanation, checked=True, key=key)


def _store_import_file(fmt, data, filename):
    """The uploaded file itself, kept through lms/files for the import's page to offer."""
    from ..files import services as files

    mime, kind = IMPORT_FILE_KINDS[fmt]
    name = clean_line(filename)[:255] or f"cau-hoi.{'docx' if fmt == 'docx' else 'xml' if fmt == 'moodle_xml' else 'txt'}"
    return files.store_bytes(data, name, mime, kind, max_bytes=MAX_IMPORT_BYTES)


def _resolve(item, choice):
    """The question's data once the teacher picked the answer the file did not tell.

    `unresolved["choices"]` lists what may be picked; `unresolved["resolutions"]`, when the
    importer gives it, maps each choice to the complete data. Otherwise a letter picks the option
    at its place (A the first) of a single-choice question."""
    unresolved = item["unresolved"]
    resolutions = unresolved.get("resolutions") or {}
    if choice in resolutions:
        return resolutions[choice]
    data = dict(item["data"] or {})
    options = data.get("options") or []
    if item["qtype"] == "single_choice" and options:
        by_id = {o.get("id"): o for o in options}
        letter = choice.strip()
        if letter in by_id:
            data["correct"] = letter
        elif len(letter) == 1 and letter.isalpha() and 0 <= ord(letter.upper()) - 65 < len(options):
            data["correct"] = options[ord(letter.upper()) - 65]["id"]
        return data
    if item["qtype"] == "multiple_choice" and options:
        letter = choice.strip()
        position = ord(letter.upper()) - 65 if len(letter) == 1 else -1
        data["options"] = [{**o, "weight": 100 if (o.get("id") == letter or i == position) else 0}
                           for i, o in enumerate(options)]
        return data
    if item["qtype"] == "true_false":
        data["correct"] = fold(choice).strip() in ("d", "dung", "true", "t")
        return data
    return data


def confirm_import(actor, record, choices=None):
    """Write every question of a preview, once, all or nothing (STYLE.md).

    The record moves preview → confirmed by one conditional UPDATE (a second confirmation, even a
    concurrent one, is refused with 409). A file with any error writes nothing; every question
    whose answer the file did not tell must have an answer picked or be skipped
    (`choices = {index: choice or "skip"}`). Raises before anything is flushed to the bank; the
    caller rolls back on any error, so the record stays a preview."""
    if not permissions.owns_import(actor, record):
        raise NotFound()
    choices = {str(k): clean_line(v) for k, v in (choices or {}).items()}
    written = db.session.execute(
        db.update(QuestionImport).where(QuestionImport.id == record.id,
                                        QuestionImport.state == ImportState.PREVIEW.value)
        .values(state=ImportState.CONFIRMED.value, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if written != 1:
        raise Conflict("already_confirmed", _("Tệp này đã được nhập rồi; mỗi bản xem trước chỉ xác nhận được một lần."))
    if record.errors:
        raise ValidationError(_("Tệp còn lỗi nên chưa câu hỏi nào được nhập. Hãy sửa tệp rồi tải lên lại."),
                              {"file": [f"{p['line'] or ''}: {p['message']}" for p in record.errors]})
    subject = db.session.get(Subject, record.subject_id)
    topics = {t.id: t for t in db.session.scalars(db.select(Topic).where(
        Topic.subject_id == subject.id, Topic.grade == record.grade))}
    errors, prepared = {}, []
    for item in record.questions_preview:
        data = item["data"]
        if item.get("unresolved"):
            choice = choices.get(str(item["index"]), "")
            allowed = [str(c) for c in item["unresolved"].get("choices", [])]
            if choice == SKIP:
                continue
            if not choice or (allowed and choice not in allowed):
                errors[f"choice.{item['index']}"] = _("Câu ở đoạn %(line)s: chọn đáp án hoặc bỏ qua câu này.",
                                                      line=item["line"])
                continue
            data = _resolve(item, choice)
        if item.get("checked") and data is item["data"]:  # checked whole by the preview (_check_item)
            prepared.append(_prepared(item, item["stem"], data, item["explanation"], subject, record, topics))
            continue
        content_errors = {}
        stem, cleaned, explanation = validate_content(item["qtype"], item["stem"], data, item["explanation"],
                                                      content_errors, record.image_ids)
        if content_errors:
            detail = "; ".join(f"{k}: {v}" for k, v in content_errors.items())
            errors[f"question.{item['index']}"] = _("Câu ở dòng %(line)s chưa hợp lệ: %(detail)s",
                                                     line=item["line"], detail=detail)
            continue
        prepared.append(_prepared(item, stem, cleaned, explanation, subject, record, topics))
    if errors:
        raise ValidationError(_("Chưa nhập: còn câu cần chọn đáp án hoặc chưa hợp lệ."), errors)
    if not prepared:
        raise ValidationError(_("Không còn câu hỏi nào để nhập."), {"choice": _("Mọi câu đều bị bỏ qua.")})
    note = f"Nhập từ tệp {record.filename}".strip()[:500]
    record.question_ids = _insert_questions(actor, prepared, record.id, note)
    record.state = ImportState.CONFIRMED.value
    db.session.flush()
    events.announce(signals.questions_changed, question_ids=record.question_ids)  # one event for the set
    return ImportedQuestions(record.question_ids)


class ImportedQuestions(Sequence):
    """The questions a confirmation wrote, in file order, loaded at the first look at one of them:
    the pages and the API only count them or name their ids, so a 5,000-question file does not
    build 5,000 objects it never shows."""

    def __init__(self, ids):
        self.ids = list(ids)
        self._loaded = None

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, position):
        if self._loaded is None:
            found = {q.id: q for q in db.session.scalars(db.select(Question).where(Question.id.in_(self.ids)))}
            self._loaded = [found[i] for i in self.ids]
        return self._loaded[position]


def _prepared(item, stem, data, explanation, subject, record, topics):
    return {"subject": subject, "grade": record.grade, "topic": topics.get(item.get("topic")),
            "level": item.get("level") if item.get("level") in types.LEVELS else None,
            "qtype": item["qtype"], "stem": stem, "data": data, "explanation": explanation,
            "tags": item.get("tags") or [], "outcome": "",
            "key": item.get("key") if item.get("checked") and stem == item["stem"] else None}


def _insert_questions(owner, prepared, import_id, note):
    """Write an import's questions (as `_new_question` would, each a draft with its first
    version) in five statements whatever their number: the questions in one bulk insert
    (`_bulk_insert`), their ids read back in id order (ids grow in insertion order inside this
    transaction: SQLite's rowid, PostgreSQL's sequence taken row by row), the versions in one bulk
    insert, and one UPDATE … FROM joining each question to its version. No ORM bookkeeping and no
    flush per row. Returns the new question ids in file order."""
    now = utcnow()
    if _copies() and _current_version_deferred():
        return _copy_questions(owner, prepared, import_id, note, now)
    # The values are already clean (the preview's _check_item or validate_content: NFC, trimmed),
    # which the ORM's flush guard would otherwise ensure.
    _bulk_insert(Question.__table__, [
        {"owner_id": owner.id, "school_id": owner.school_id, "state": State.DRAFT.value,
         "subject_id": values["subject"].id, "grade": values["grade"],
         "topic_id": values["topic"].id if values["topic"] is not None else None, "level": values["level"],
         "qtype": values["qtype"], "tags": values["tags"], "outcome": values["outcome"],
         "summary": summary_of(values["stem"]), "import_id": import_id, "created_at": now, "updated_at": now}
        for values in prepared])
    question_ids = db.session.scalars(db.select(Question.id).where(Question.import_id == import_id)
                                      .order_by(Question.id)).all()
    if len(question_ids) != len(prepared):  # another write of this import: the conditional UPDATE forbids it
        raise Conflict("already_confirmed", _("Tệp này đã được nhập rồi; mỗi bản xem trước chỉ xác nhận được một lần."))
    _bulk_insert(QuestionVersion.__table__, [
        {"question_id": question_id, "number": 1, "stem": values["stem"], "data": values["data"],
         "explanation": values["explanation"], "text_key": values.get("key") or text_key(values["stem"]),
         "note": note or "Phiên bản đầu tiên.", "status": VersionStatus.DRAFT.value, "created_by_id": owner.id,
         "created_at": now}
        for question_id, values in zip(question_ids, prepared, strict=True)])
    question, version = Question.__table__, QuestionVersion.__table__
    db.session.execute(db.update(question)  # UPDATE … FROM: a join, not a subquery per row
                       .where(question.c.import_id == import_id, version.c.question_id == question.c.id,
                              version.c.number == 1)
                       .values(current_version_id=version.c.id))
    return list(question_ids)


def _copy_questions(owner, prepared, import_id, note, now):
    """PostgreSQL: the ids of questions and versions taken from their sequences in one query, then
    each table written by one COPY, every question already naming its version (the foreign key is
    checked at commit: Question.current_version_id). Three statements, no UPDATE."""
    pairs = db.session.execute(db.text(
        "SELECT nextval(pg_get_serial_sequence('question', 'id')), "
        "nextval(pg_get_serial_sequence('question_version', 'id')) FROM generate_series(1, :n)"),
        {"n": len(prepared)}).all()
    _bulk_insert(Question.__table__, [
        {"id": question_id, "current_version_id": version_id, "owner_id": owner.id, "school_id": owner.school_id,
         "state": State.DRAFT.value, "subject_id": values["subject"].id, "grade": values["grade"],
         "topic_id": values["topic"].id if values["topic"] is not None else None, "level": values["level"],
         "qtype": values["qtype"], "tags": values["tags"], "outcome": values["outcome"],
         "summary": summary_of(values["stem"]), "import_id": import_id, "created_at": now, "updated_at": now}
        for (question_id, version_id), values in zip(pairs, prepared, strict=True)])
    _bulk_insert(QuestionVersion.__table__, [
        {"id": version_id, "question_id": question_id, "number": 1, "stem": values["stem"], "data": values["data"],
         "explanation": values["explanation"], "text_key": values.get("key") or text_key(values["stem"]),
         "note": note or "Phiên bản đầu tiên.", "status": VersionStatus.DRAFT.value, "created_by_id": owner.id,
         "created_at": now}
        for (question_id, version_id), values in zip(pairs, prepared, strict=True)])
    return [question_id for question_id, _version_id in pairs]


def _copies():
    connection = db.session.connection()
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def _current_version_deferred():
    """Whether the database checks question.current_version_id at commit (the schema of this model;
    a database migrated before it falls back to the UPDATE)."""
    return bool(db.session.scalar(db.text(
        "SELECT bool_and(c.condeferred) FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
        "WHERE c.conrelid = 'question'::regclass AND c.contype = 'f' AND a.attname = 'current_version_id'")))


def _bulk_insert(table, rows):
    """INSERT `rows` (dicts with the same keys, every column without a server default) into
    `table` in the session's transaction, in order. PostgreSQL (psycopg): one COPY … FROM STDIN,
    the rows streamed in one round trip (5,000 questions: a quarter of a pipelined executemany's
    time, and no statement per row for the server to plan); elsewhere one executemany."""
    if not rows:
        return
    if not _copies():
        db.session.execute(table.insert(), rows)
        return
    connection = db.session.connection()
    columns = list(rows[0])
    dumps = connection.dialect._json_serializer or json.dumps  # what SQLAlchemy's JSON type would store
    as_json = {name for name in columns if isinstance(table.c[name].type, db.JSON)}
    names = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in columns)
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {connection.dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([dumps(row[name]) if name in as_json else row[name] for name in columns])


def import_file(actor, fmt, data, filename, subject, grade, dry_run=False, choices=None):
    """The API's import: preview and, unless `dry_run`, confirm at once. Returns (record,
    questions); a file with errors (or answers nobody picked) raises ImportRefused, nothing written."""
    record = preview_import(actor, fmt, data, filename, subject, grade)
    problems = list(record.errors)
    if not problems:
        for item in record.unresolved:
            if str(item["index"]) not in (choices or {}):
                problems.append({"line": item["line"], "message": _(
                    "Câu ở đoạn %(line)s: không xác định được đáp án đúng (%(reason)s).",
                    line=item["line"], reason=item["unresolved"].get("reason", ""))})
    if problems:
        raise ImportRefused(problems, record)
    if dry_run:
        return record, []
    try:
        questions = confirm_import(actor, record, choices)
    except ValidationError as error:
        raise ImportRefused([{"line": None, "message": str(v)} for v in error.details.values()], record) from None
    return record, questions


class ImportRefused(ValidationError):
    """A file that cannot be written: every problem with its line."""

    def __init__(self, problems, record=None):
        super().__init__(_("Tệp có lỗi nên chưa câu hỏi nào được nhập."), {"errors": problems})
        self.problems = problems
        self.record = record


def import_questions(record):
    """The questions a confirmed import made, in file order."""
    if not record.question_ids:
        return []
    found = {q.id: q for q in db.session.scalars(
        db.select(Question).where(Question.id.in_(record.question_ids))
        .options(db.joinedload(Question.current_version), db.joinedload(Question.subject)))}
    return [found[i] for i in record.question_ids if i in found]


# --- a set through review ----------------------------------------------------------------------

def submit_set(actor, record, comment=None):
    """Submit every question of an imported set that its owner may submit now (drafts, changes
    requested); returns how many went. Each goes through review.services.submit; the reviewers
    of the subject get one notification for the whole set."""
    if not permissions.owns_import(actor, record):
        raise NotFound()
    submitted = []
    for question in import_questions(record):
        if review_perms.can_submit(actor, question):
            review_services.submit(question, actor, comment, notify_pool=False)
            submitted.append(question)
    if not submitted:
        raise Conflict("invalid_transition", _("Không có câu hỏi nào của bộ này đang chờ gửi thẩm định."))
    # One notification per reviewer for the set (not one per question), linking to its review page.
    review_services.notify_set_submitted(submitted, actor, f"/questions/imports/{record.id}/review",
                                         record.filename or str(record.format_label))
    return len(submitted)


def bulk_decide(reviewer, record, decisions, scores):
    """The bulk review of one set: for each question a decision (approve, request_changes,
    reject, or nothing), the same criteria scores for every approval (every criterion scored, as
    review.services.decide requires), a reason and a note for each one returned. A waiting
    question is claimed first. All or nothing: any refusal raises ValidationError naming the
    question's fields (`q<id>.<field>`); the caller rolls back."""
    if not permissions.can_bulk_review(reviewer, record):
        raise Forbidden(_("Chỉ thành viên tổ thẩm định của môn này thẩm định bộ câu hỏi."))
    errors, decided = {}, 0
    for question in import_questions(record):
        wanted = decisions.get(question.id) or {}
        decision = wanted.get("decision") or ""
        if not decision or decision == SKIP:
            continue
        try:
            if question.state == State.SUBMITTED.value:
                review_services.claim(question, reviewer)
            review_services.decide(question, reviewer, decision, wanted.get("comment"),
                                   scores if decision == Action.APPROVE.value else None, wanted.get("reason_code"))
            decided += 1
        except DomainError as error:
            fields = error.details if isinstance(error, ValidationError) and error.details else {"decision": error.message}
            for name, message in fields.items():
                if name.startswith("scores"):
                    errors[name] = message
                else:
                    errors[f"q{question.id}.{name}"] = message
    if errors:
        raise ValidationError(_("Chưa ghi nhận: hãy sửa các ô được đánh dấu."), errors)
    if not decided:
        raise ValidationError(_("Chọn quyết định cho ít nhất một câu hỏi."), {"decision": _("Chưa chọn.")})
    return decided


# --- export ------------------------------------------------------------------------------------

def export_dicts(questions, user):
    """What the exporters read: each question's shown version as a plain dict."""
    rows = []
    for question in questions:
        version = permissions.visible_version(user, question)
        if version is None:
            continue
        rows.append({"id": question.id, "qtype": question.qtype, "stem": version.stem, "data": version.data,
                     "explanation": version.explanation, "level": question.level, "tags": list(question.tags or []),
                     "name": f"q{question.id}", "category": question.topic.label if question.topic else ""})
    return rows


def export(user, fmt, questions):
    """(bytes, mimetype, filename) of the questions in `fmt` (gift, moodle_xml, aiken: Aiken keeps
    single-choice questions only). Only questions whose answers the user may see are exported."""
    if fmt not in EXPORT_FORMATS:
        message = _("Chọn một định dạng: %(choices)s.", choices=", ".join(EXPORT_FORMATS))
        raise ValidationError(message, {"format": message})
    for question in questions:
        if not permissions.sees_answers(user, question):
            raise NotFound()
    rows = export_dicts(questions, user)
    if not rows:
        raise ValidationError(_("Chọn ít nhất một câu hỏi để xuất."), {"ids": _("Chưa chọn câu hỏi nào.")})
    dispatcher = getattr(formats, "export", None)
    if dispatcher is not None:
        data = dispatcher(fmt, rows)
    elif fmt == "aiken":
        data = aiken.export(rows)
    else:
        message = _("Định dạng %(format)s chưa xuất được.", format=fmt)
        raise ValidationError(message, {"format": message})
    mimetype, extension = EXPORT_FORMATS[fmt]
    return data, mimetype, f"cau-hoi-{fmt.replace('_', '-')}.{extension}"


def parse_ids(raw):
    ids = []
    for part in (raw or "").replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdecimal() or len(part) > 18:
            message = _("ids là các số, cách nhau bằng dấu phẩy.")
            raise ValidationError(message, {"ids": message})
        if int(part) not in ids:
            ids.append(int(part))
    if not ids:
        message = _("Chọn ít nhất một câu hỏi để xuất.")
        raise ValidationError(message, {"ids": message})
    if len(ids) > 5000:
        message = _("Mỗi lần xuất tối đa %(max)s câu hỏi.", max=5000)
        raise ValidationError(message, {"ids": message})
    return ids
