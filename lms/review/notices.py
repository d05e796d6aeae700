"""What in-app notifications say, in the reader's language.

A notification stores a message key and its parameters (names, the item's title, a reason code,
a subject's name in each language) and is worded when it is shown, so the same row reads in
Vietnamese or in English. The Vietnamese sentence is stored too: it is what rows from before keys
existed show, and what a key this version no longer knows falls back to.
"""

from flask import g, has_request_context
from flask_babel import get_locale

from ..core.i18n import translations
from .workflow import REASON_CODES


def N_(message):
    """Mark a msgid for extraction; translated when shown."""
    return message


MESSAGES = {
    "submitted": N_("%(actor)s đã gửi “%(title)s” vào hàng đợi thẩm định %(group)s."),
    "submitted_no_group": N_("%(actor)s đã gửi “%(title)s” (%(subject)s %(grade)s) nhưng chưa có tổ thẩm "
                             "định nào nhận môn này: hãy lập tổ hoặc thêm thành viên."),
    "set_submitted": N_("%(actor)s đã gửi bộ %(count)s câu hỏi “%(title)s” vào hàng đợi thẩm định %(group)s."),
    "set_submitted_no_group": N_("%(actor)s đã gửi bộ %(count)s câu hỏi “%(title)s” (%(subject)s %(grade)s) nhưng "
                                 "chưa có tổ thẩm định nào nhận môn này: hãy lập tổ hoặc thêm thành viên."),
    "withdrawn_from_review": N_("%(actor)s đã rút “%(title)s” khỏi thẩm định; bạn không cần thẩm định "
                                "mục này nữa."),
    "unpublished": N_("%(actor)s đã gỡ “%(title)s” khỏi kho dùng chung."),
    "claimed": N_("%(actor)s đã nhận thẩm định “%(title)s”."),
    "released": N_("“%(title)s” đã được trả lại hàng đợi thẩm định."),
    "released_from_you": N_("%(actor)s đã trả “%(title)s” về hàng đợi; bạn không còn giữ mục này."),
    "approved": N_("%(actor)s đã duyệt “%(title)s”."),
    "changes_requested": N_("%(actor)s yêu cầu chỉnh sửa “%(title)s” (%(reason)s)."),
    "rejected": N_("%(actor)s đã từ chối “%(title)s” (%(reason)s)."),
    "assigned_to_you": N_("%(actor)s đã giao cho bạn thẩm định “%(title)s”."),
    "assigned_away": N_("“%(title)s” đã được giao cho người khác thẩm định."),
    "assigned": N_("“%(title)s” được giao cho %(reviewer)s thẩm định."),
    # Homework (assignments.inquiries, assignments.marking)
    "inquiry_asked": N_("%(student)s hỏi về bài “%(title)s”: “%(excerpt)s”"),
    "inquiry_answered": N_("%(teacher)s đã trả lời câu hỏi của em về bài “%(title)s”."),
    "grades_released": N_("%(teacher)s đã công bố điểm bài “%(title)s”."),
    "work_graded": N_("%(teacher)s đã chấm bài “%(title)s” của em."),
    # Parents (parents.jobs, parents.services)
    "child_grades_released": N_("%(teacher)s đã công bố điểm bài “%(title)s” của %(student)s."),
    "child_missed": N_("%(student)s đã bỏ lỡ bài “%(title)s” (hạn chót đã qua mà chưa nộp)."),
    "class_note": N_("Lời nhắn của %(teacher)s gửi phụ huynh lớp %(classroom)s: “%(text)s”"),
}


def named(vi, en):
    """A parameter with a name in each language (a subject), picked when the message is shown."""
    return {"vi": vi, "en": en}


def _values(params, language, translate):
    values = {}
    for name, value in (params or {}).items():
        values[name] = (value.get(language) or value.get("vi", "")) if isinstance(value, dict) else value
    if "reason_code" in values:
        code = values.pop("reason_code")
        values["reason"] = translate(REASON_CODES[code]) if code in REASON_CODES else (code or "")
    return values


def vietnamese(key, params):
    """The stored sentence: the message in Vietnamese, whoever's session caused it."""
    return MESSAGES[key] % _values(params, "vi", lambda text: text)


def text(notification):
    """The notification in the reader's language (its stored sentence for rows without a key)."""
    template = MESSAGES.get(notification.message_key or "")
    if template is None or not has_request_context():
        return notification.message
    try:  # the language and the catalogue once per request: a page shows a hundred notifications
        language = g._lms_notice_language
    except AttributeError:
        language = g._lms_notice_language = str(get_locale() or "vi").split("_")[0]
    translate = translations().ugettext
    try:
        values = _values(notification.params, language, translate)
        return translate(template) % values if values else translate(template)
    except (KeyError, TypeError, ValueError):  # parameters from another version of the message
        return notification.message
