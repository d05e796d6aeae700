"""Forms of the question pages. They render and re-populate the fields; the rules live in the
services (and types.py), shared with the API, whose errors are put back on the fields.

The authoring form is one form for every type: the metadata are WTForms fields; each type's own
fields (options, statements, accepted answers, pairs) are rows of plain inputs named
`opt_text_0`, `st_correct_2`... that `data_from_form` turns into API.md's `data` (and
`rows_from_data` back). A type's error such as "options.1.text" is put on the row it came from.
"""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..core.forms import put_errors
from ..core.text import clean_line
from ..schools import queries as school_queries
from . import types
from .models import FORMAT_LABELS, LEVEL_LABELS, TYPE_LABELS

REQUIRED = {"required": True}
ROWS = {"options": 8, "statements": 4, "answers": 5, "numbers": 3, "pairs": 8}


def _grade_choices():
    return [SelectChoice("", "—")] + [SelectChoice(g) for g in ("6", "7", "8")]


def _subject_choices():
    locale = str(get_locale() or "vi")
    return [SelectChoice("", "—")] + [SelectChoice(s.code, s.name(locale)) for s in school_queries.subjects()]


def _topic_choices():
    locale = str(get_locale() or "vi")
    return [SelectChoice("", _l("— Không chọn —"))] + [
        SelectChoice(str(t.id), t.label, {"data-subject": t.subject.code, "data-grade": str(t.grade)},
                     optgroup=f"{t.subject.name(locale)} {t.grade}")
        for t in school_queries.topics()]


class QuestionForm(FlaskForm):
    qtype = SelectField(_l("Loại câu hỏi"), choices=[SelectChoice(k, v) for k, v in TYPE_LABELS.items()],
                        default="single_choice", validate_choice=False, render_kw=REQUIRED)
    subject = SelectField(_l("Môn học"), validate_choice=False, render_kw=REQUIRED)
    grade = SelectField(_l("Khối lớp"), choices=_grade_choices(), validate_choice=False, render_kw=REQUIRED)
    topic = SelectField(_l("Chủ đề / bài học"), validate_choice=False,
                        description=_l("Danh sách theo môn và khối lớp đã chọn."))
    level = SelectField(_l("Mức độ nhận thức"), validate_choice=False,
                        choices=[SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in LEVEL_LABELS.items()])
    stem = TextAreaField(_l("Nội dung câu hỏi"), render_kw={**REQUIRED, "rows": 4},
                         description=_l("Công thức viết giữa \\( \\) hoặc $$ $$, ví dụ \\(\\frac{1}{2}\\)."))
    image = FileField(_l("Thêm hình vào nội dung"), render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"},
                      description=_l("Ảnh PNG, JPEG, GIF hoặc WebP; hình được thêm vào cuối nội dung câu hỏi dưới dạng "
                                     "![](file:số), có thể chuyển dòng đó tới chỗ khác."))
    explanation = TextAreaField(_l("Lời giải"), render_kw={"rows": 3})
    tags = StringField(_l("Thẻ"), description=_l("Cách nhau bằng dấu phẩy."))
    outcome = StringField(_l("Mã yêu cầu cần đạt"), description=_l("Không bắt buộc."))
    note = StringField(_l("Ghi chú phiên bản"), description=_l("Điều gì đã thay đổi so với phiên bản trước?"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.choices = _subject_choices()
        self.topic.choices = _topic_choices()

    def put_errors(self, details):
        put_errors(self, details)


class ImportForm(FlaskForm):
    format = SelectField(_l("Định dạng tệp"), choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()],
                         default="docx", validate_choice=False, render_kw=REQUIRED)
    subject = SelectField(_l("Môn học"), validate_choice=False, render_kw=REQUIRED)
    grade = SelectField(_l("Khối lớp"), choices=_grade_choices(), validate_choice=False, render_kw=REQUIRED)
    file = FileField(_l("Tệp câu hỏi"), render_kw={**REQUIRED, "accept": ".docx,.txt,.gift,.xml"})
    replace = HiddenField()  # the preview this upload replaces ("Tải tệp khác" on a preview page)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.choices = _subject_choices()

    def put_errors(self, details):
        put_errors(self, details)


# --- the type's own fields -----------------------------------------------------------------------

def _get(form, name):
    return clean_line(form.get(name, ""))


def data_from_form(qtype, form):
    """(data, rows): API.md's `data` from the type's inputs, and for each list in it the input row
    every item came from (empty rows are left out), to put errors back where they belong."""
    rows = {}
    if qtype in ("single_choice", "multiple_choice"):
        options, used = [], []
        for i in range(ROWS["options"]):
            text = _get(form, f"opt_text_{i}")
            if not text:
                continue
            option = {"id": chr(ord("a") + len(options)), "text": text}
            if qtype == "multiple_choice":
                option["weight"] = _get(form, f"opt_weight_{i}") or "0"
            options.append(option)
            used.append(i)
        rows["options"] = used
        data = {"options": options}
        if qtype == "single_choice":
            picked = _get(form, "correct")
            data["correct"] = options[used.index(int(picked))]["id"] if picked.isdecimal() and int(picked) in used else ""
        return data, rows
    if qtype == "true_false":
        value = _get(form, "tf_correct")
        return {"correct": True if value == "true" else False if value == "false" else None}, rows
    if qtype == "true_false_group":
        statements = []
        for i in range(ROWS["statements"]):
            value = _get(form, f"st_correct_{i}")
            statements.append({"id": "abcd"[i], "text": _get(form, f"st_text_{i}"),
                               "correct": True if value == "true" else False if value == "false" else None})
        rows["statements"] = list(range(4))
        return {"statements": statements}, rows
    if qtype == "short_answer":
        answers, used = [], []
        for i in range(ROWS["answers"]):
            text = _get(form, f"sa_text_{i}")
            if text:
                answers.append({"text": text, "weight": _get(form, f"sa_weight_{i}") or "100"})
                used.append(i)
        rows["answers"] = used
        return {"answers": answers, "case_sensitive": bool(form.get("case_sensitive"))}, rows
    if qtype == "numerical":
        answers, used = [], []
        for i in range(ROWS["numbers"]):
            value = _get(form, f"num_value_{i}")
            if value:
                answers.append({"value": value, "tolerance": _get(form, f"num_tol_{i}") or "0",
                                "weight": _get(form, f"num_weight_{i}") or "100"})
                used.append(i)
        rows["answers"] = used
        return {"answers": answers}, rows
    if qtype == "matching":
        pairs, used = [], []
        for i in range(ROWS["pairs"]):
            left, right = _get(form, f"pair_left_{i}"), _get(form, f"pair_right_{i}")
            if left or right:
                pairs.append({"id": str(len(pairs) + 1), "left": left, "right": right})
                used.append(i)
        rows["pairs"] = used
        return {"pairs": pairs}, rows
    return {}, rows


# "options.1.text" of a type → the input it came from, per type.
_INPUTS = {
    ("options", "text"): "opt_text_{}", ("options", "weight"): "opt_weight_{}",
    ("statements", "text"): "st_text_{}", ("statements", "correct"): "st_correct_{}",
    ("pairs", "left"): "pair_left_{}", ("pairs", "right"): "pair_right_{}",
}


def field_errors(qtype, details, rows):
    """The service's error details keyed by the authoring form's inputs."""
    errors = {}
    for key, message in (details or {}).items():
        parts = key.split(".")
        if len(parts) == 3 and parts[1].isdecimal():
            group, index, name = parts[0], int(parts[1]), parts[2]
            row = rows.get(group, [])[index] if index < len(rows.get(group, [])) else index
            if group == "answers":
                pattern = {"text": "sa_text_{}", "weight": "sa_weight_{}"} if qtype == "short_answer" else \
                    {"value": "num_value_{}", "tolerance": "num_tol_{}", "weight": "num_weight_{}"}
                errors[pattern.get(name, "answers").format(row)] = message
            else:
                errors[_INPUTS.get((group, name), group).format(row)] = message
        elif key == "correct":
            errors["tf_correct" if qtype == "true_false" else "correct"] = message
        else:
            errors[key] = message
    return errors


def rows_from_data(qtype, data):
    """The type's inputs for an existing version's `data` (the edit form)."""
    values = {}
    data = data or {}
    if qtype in ("single_choice", "multiple_choice"):
        for i, option in enumerate(data.get("options", [])):
            values[f"opt_text_{i}"] = option.get("text", "")
            if qtype == "multiple_choice":
                weight = option.get("weight", 0)
                values[f"opt_weight_{i}"] = f"{weight:g}" if isinstance(weight, (int, float)) else str(weight)
            if qtype == "single_choice" and option.get("id") == data.get("correct"):
                values["correct"] = str(i)
    elif qtype == "true_false":
        if isinstance(data.get("correct"), bool):
            values["tf_correct"] = "true" if data["correct"] else "false"
    elif qtype == "true_false_group":
        for i, statement in enumerate(data.get("statements", [])[:4]):
            values[f"st_text_{i}"] = statement.get("text", "")
            values[f"st_correct_{i}"] = "true" if statement.get("correct") else "false"
    elif qtype == "short_answer":
        for i, answer in enumerate(data.get("answers", [])):
            values[f"sa_text_{i}"] = answer.get("text", "")
            values[f"sa_weight_{i}"] = f"{answer.get('weight', 100):g}"
        if data.get("case_sensitive"):
            values["case_sensitive"] = "1"
    elif qtype == "numerical":
        for i, answer in enumerate(data.get("answers", [])):
            values[f"num_value_{i}"] = f"{answer.get('value', 0):g}".replace(".", ",")
            values[f"num_tol_{i}"] = f"{answer.get('tolerance', 0):g}".replace(".", ",")
            values[f"num_weight_{i}"] = f"{answer.get('weight', 100):g}"
    elif qtype == "matching":
        for i, pair in enumerate(data.get("pairs", [])):
            values[f"pair_left_{i}"] = pair.get("left", "")
            values[f"pair_right_{i}"] = pair.get("right", "")
    return values


TYPE_CHOICES = list(types.TYPES)
