"""Forms of the review pages. The decision form is plain HTML (one select per criterion, built by
the `decision_form` macro), parsed here so that every feature's page reads it the same way."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

NOT_APPLICABLE = "na"


class CriterionForm(FlaskForm):
    code = StringField(_l("Mã (không dấu, không đổi được sau khi tạo)"),
                       validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Tên tiêu chí"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Mô tả"), validators=[Optional(), Length(max=2000)])
    title_en = StringField(_l("Tên tiêu chí bằng tiếng Anh"), validators=[Optional(), Length(max=200)],
                           description=_l("Hiện khi trang ở tiếng Anh; để trống thì hiện tên tiếng Việt."))
    description_en = TextAreaField(_l("Mô tả bằng tiếng Anh"), validators=[Optional(), Length(max=2000)])
    max_score = IntegerField(_l("Điểm tối đa"), default=3,
                             validators=[DataRequired(), NumberRange(min=1, max=10)])


class CriterionEditForm(CriterionForm):
    code = None


def parse_decision_form(form, criteria):
    """(decision, comment, scores, reason_code) from a submitted `decision_form`.

    A criterion left on "—" is missing (the service reports it); "na" is not applicable (None);
    anything else is passed on as an int, or as the raw text for the service to refuse.
    """
    scores = {}
    for criterion in criteria:
        raw = (form.get(f"score_{criterion.code}") or "").strip()
        if not raw:
            continue
        if raw == NOT_APPLICABLE:
            scores[criterion.code] = None
        else:
            try:
                scores[criterion.code] = int(raw)
            except ValueError:
                scores[criterion.code] = raw
    return (form.get("decision", ""), form.get("comment", ""), scores, form.get("reason_code") or None)
