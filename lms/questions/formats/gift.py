"""GIFT, read the way Moodle's qformat_gift reads it, and written the way it writes it.

Moodle's grammar and quirks kept here (question/format/gift/format.php, readquestion()):
- questions are separated by blank lines; lines starting with `//` are comments, and a comment's
  `[id:…]` and `[tag:…]` give the question's idnumber and tags (`\\]` escapes a `]`);
- `$CATEGORY: path` is not a question: it sets the category of the questions after it (Moodle's
  context prefix `$course$/`, `$module$/`, `$system$/`… and an `[info:…]` are dropped);
- `::name::` names a question; the answer block is the first `{` to the first `}`; with no braces the
  block is a description (skipped, with a warning); with text after the `}` it is a missing-word
  question and the braces become `_____` in the stem;
- escapes `\\~ \\= \\# \\{ \\} \\: \\\\ \\n`; the format markers `[html] [moodle] [plain] [markdown]`
  are removed and the text kept; `####` starts the general feedback (our explanation);
- the type follows from the answer block: empty → essay, `#…` → numerical, any `~` → multichoice
  (single when an `=` is present), `=` with `->` → matching, T/TRUE/F/FALSE → true/false, else
  short answer; `%n%` weights in percent.

Where we differ from Moodle, on purpose: a non-numeric numerical answer is an error with its line
(Moodle silently makes it a catch-all), except that a decimal comma means a decimal point (`3,5`);
a numerical or short answer's zero-weight catch-all `*` is dropped with a note (our numerical type
has no catch-all, and a 0% `*` changes no score); a matching distractor with no left side (`= -> Chat`)
is dropped with a note (our matching type has no distractors); per-answer feedback is not kept (our
question data has none): a note says so.
"""

import re

from ...core.errors import DomainError, _
from .. import types
from . import ParsedQuestion, ParseProblem, ParseResult
from .text import EncodingProblem, decode

# Escapes become private-use characters of the same length (two), so offsets still point into the
# original lines, and are turned back into the plain characters at the end.
_ESCAPES = {":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004", "}": "\ue005", "~": "\ue006",
            "n": "\ue007"}
_MARK = "\ue000"
_BACKSLASH = "\ue008"
_UNESCAPE = {_MARK + v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_UNESCAPE[_MARK + _BACKSLASH] = "\\"
_FORMATS = ("moodle", "html", "plain", "markdown")
_WEIGHT = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")
_ID = re.compile(r"\[id:((?:\\.|[^\]\\\n])+)\]")
_TAG = re.compile(r"\[tag:((?:\\.|[^\]\\\n])+)\]")
_CONTEXT = re.compile(r"^\$[a-z]+\$/")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def escape_pre(text):
    """Moodle's escapedchar_pre: `\\\\` first, then the other escapes, as placeholders."""
    text = text.replace("\\\\", _MARK + _BACKSLASH)
    for char, placeholder in _ESCAPES.items():
        text = text.replace("\\" + char, _MARK + placeholder)
    return text


def escape_post(text):
    for placeholder, char in _UNESCAPE.items():
        text = text.replace(placeholder, char)
    return text


def text_with_format(text):
    """Moodle's parse_text_with_format: a leading [html]/[moodle]/[plain]/[markdown] is removed
    (the text is kept as written); then unescaped and trimmed. Returns (text, format or None)."""
    fmt = None
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in _FORMATS:
            fmt, text = text[1:end], text[end + 1:]
    return escape_post(text).strip(), fmt


def idnumber_and_tags(comment):
    """Moodle's extract_idnumber_and_tags_from_comment."""
    found = _ID.search(comment)
    idnumber = found.group(1).replace("\\]", "]").strip() if found else ""
    tags = [tag.replace("\\]", "]").strip() for tag in _TAG.findall(comment)]
    return idnumber, tags


def level_from_tags(tags):
    """(level, other tags): a tag NB, TH, VD or VDC gives the cognitive level (our export writes
    the level so, since GIFT has no field for it)."""
    level, rest = None, []
    for tag in tags:
        if tag.upper() in types.LEVEL_TAGS and level is None:
            level = types.LEVEL_TAGS[tag.upper()]
        else:
            rest.append(tag)
    return level, rest


def level_tag(level):
    return next((tag for tag, key in types.LEVEL_TAGS.items() if key == level), None)


def parse(data, filename=""):
    try:
        text = decode(data)
    except EncodingProblem as problem:
        return ParseResult(errors=[ParseProblem(None, problem.message)])
    result = ParseResult()
    category = ""
    for start, lines in blocks(text):
        category = read_block(lines, start, result, category)
    return result


def blocks(text):
    """(first line number, lines) of each blank-line separated block."""
    current, start = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            yield start, current
            current = []
    if current:
        yield start, current


def read_block(lines, start, result, category=""):
    """Read one question block into `result`; returns the category in force after it."""
    comments, body, first = [], [], None
    for offset, line in enumerate(lines):
        if line.strip().startswith("//"):
            comments.append(line.strip())
            body.append("")
        else:
            first = start + offset if first is None else first
            body.append(line)
    if first is None:
        return category
    block = _Block(lines, start, first, result)
    text = escape_pre("\n".join(body).strip())
    if text.startswith("$CATEGORY:"):
        path = re.sub(r"\s*\[info:.*\]\s*$", "", text[len("$CATEGORY:"):], flags=re.S).strip()
        return _CONTEXT.sub("", escape_post(path))
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            name = " ".join(escape_post(text[2:end]).split())
            text = text[end + 2:].strip()
    opening, closing = text.find("{"), text.find("}")
    if opening < 0 and closing < 0:
        shown, _fmt = text_with_format(text)
        result.warnings.append(ParseProblem(first, _(
            "Dòng %(line)s: đoạn mô tả (không có đáp án trong {…}) không phải câu hỏi, đã bỏ qua.", line=first)))
        return category
    if opening < 0 or closing < 0 or closing < opening:
        block.error(_("Dòng %(line)s: thiếu hoặc thừa dấu ngoặc { } quanh đáp án.", line=first))
        return category
    answer_text = text[opening + 1:closing].strip()
    if text.endswith("}"):
        stem_raw = text[:opening] + text[closing + 1:]
    else:
        stem_raw = text[:opening] + "_____" + text[closing + 1:]
    explanation = ""
    separator = answer_text.rfind("####")
    if separator >= 0:
        explanation, _fmt = text_with_format(answer_text[separator + 4:].strip())
        answer_text = answer_text[:separator].strip()
    stem, _fmt = text_with_format(stem_raw.strip())
    idnumber, tags = idnumber_and_tags("\n".join(comments) + ("\n" if comments else ""))
    level, tags = level_from_tags(tags)
    question = ParsedQuestion("", stem, {}, first, explanation=explanation, name=name or _default_name(stem),
                              tags=tags, category=category, idnumber=idnumber, level=level)
    qtype, data = _answers(answer_text, block, question)
    if qtype is None:
        return category
    try:
        question.data = types.get(qtype).validate(data)
    except DomainError as error:
        detail = "; ".join(f"{k}: {v}" for k, v in error.details.items())
        block.error(_("Dòng %(line)s: %(problem)s (%(details)s)", line=first, problem=error.message, details=detail))
        return category
    question.qtype = qtype
    result.questions.append(question)
    return category


def _default_name(stem):
    # Moodle's create_default_question_name: the start of the text, tags removed.
    plain = " ".join(re.sub(r"<[^>]*>", " ", stem).split())
    return plain[:80]


class _Block:
    def __init__(self, lines, start, first, result):
        self.lines, self.start, self.first, self.result = lines, start, first, result

    def line_of(self, needle):
        """The line of the block where `needle` (raw text of an answer) appears; else the first."""
        needle = escape_post(needle).strip()
        if needle:
            for offset, line in enumerate(self.lines):
                if needle in escape_post(escape_pre(line)):
                    return self.start + offset
        return self.first

    def error(self, message, line=None):
        self.result.errors.append(ParseProblem(line or self.first, message))


def _split(answer_text, separator):
    parts = answer_text.split(separator)
    parts[0] = parts[0].strip()
    if not parts[0]:
        parts.pop(0)
    return [part.strip() for part in parts]


def _weight(answer):
    """(weight in percent, rest) for an answer starting with Moodle's %n% (answerweightparser)."""
    if _WEIGHT.match(answer):
        end = answer.find("%", 1)
        try:
            return float(answer[1:end]), answer[end + 1:]
        except ValueError:
            return None, answer
    return None, answer


def _answer_and_feedback(answer):
    text, _sep, feedback = answer.partition("#")
    return text_with_format(text.strip())[0], feedback.strip()


def _answers(answer_text, block, question):
    """(qtype, data before validation), or (None, None) after recording an error."""
    if answer_text == "":
        return "essay", {}
    if answer_text.startswith("#"):
        return _numerical(answer_text[1:], block, question)
    feedback_note = False
    if "~" in answer_text:
        single = "=" in answer_text
        parts = _split(answer_text.replace("=", "~="), "~")
        if len(parts) < 2:
            block.error(_("Dòng %(line)s: câu hỏi cần ít nhất 2 phương án.", line=block.first))
            return None, None
        options = []
        for index, part in enumerate(parts):
            if part.startswith("="):
                weight, part = 100.0, part[1:]
            else:
                weight, part = _weight(part)
                weight = 0.0 if weight is None else weight
            text, feedback = _answer_and_feedback(part)
            feedback_note = feedback_note or bool(feedback)
            options.append({"id": chr(ord("a") + index), "text": text, "weight": weight})
        _note_feedback(question, feedback_note)
        if not single:
            return "multiple_choice", {"options": options}
        full = [o for o in options if o["weight"] == 100]
        if len(full) != 1 or any(o["weight"] not in (0, 100) for o in options):
            block.error(_("Dòng %(line)s: câu hỏi một đáp án (dùng “=”) phải có đúng một phương án đúng 100%% và các "
                          "phương án khác 0%%; với nhiều đáp án hoặc điểm từng phần, hãy dùng ~%%n%% cho mọi "
                          "phương án.", line=block.first))
            return None, None
        return "single_choice", {"options": [{"id": o["id"], "text": o["text"]} for o in options],
                                 "correct": full[0]["id"]}
    if "=" in answer_text and "->" in answer_text:
        pairs = []
        for part in _split(answer_text, "="):
            if "->" not in part:
                line = block.line_of(part)
                block.error(_("Dòng %(line)s: mỗi cặp ghép phải có dạng “=ý trái -> ý phải”.", line=line), line)
                return None, None
            left, _arrow, right = part.partition("->")
            left, right = text_with_format(left.strip())[0], escape_post(right).strip()
            if not left:
                question.notes.append(_("Phương án nhiễu “%(right)s” (không có ý trái) đã bỏ qua: loại ghép đôi "
                                        "không có phương án nhiễu.", right=right))
                continue
            pairs.append({"id": str(len(pairs) + 1), "left": left, "right": right})
        return "matching", {"pairs": pairs}
    check = answer_text.split("#", 1)[0].strip() if answer_text.find("#") > 0 else answer_text
    if check in ("T", "TRUE", "F", "FALSE"):
        _note_feedback(question, "#" in answer_text)
        return "true_false", {"correct": check in ("T", "TRUE")}
    answers = []
    for part in _split(answer_text, "="):
        weight, part = _weight(part)
        text, feedback = _answer_and_feedback(part)
        feedback_note = feedback_note or bool(feedback)
        answers.append({"text": text, "weight": 100.0 if weight is None else weight})
    _note_feedback(question, feedback_note)
    return "short_answer", {"answers": answers}


def _note_feedback(question, present):
    if present:
        question.notes.append(_("Phản hồi riêng cho từng phương án không được lưu."))


def number(text):
    """A number written in a GIFT answer: a point or a decimal comma (3,5 = 3.5); None otherwise."""
    text = text.strip()
    if not _NUMBER.fullmatch(text) or ("," in text and "." in text):
        return None
    return float(text.replace(",", "."))


def _numerical(answer_text, block, question):
    catch_all = None
    position = answer_text.find("~")
    if position >= 0:
        catch_all, answer_text = answer_text[position:], answer_text[:position]
    parts = _split(answer_text, "=")
    if not parts:
        block.error(_("Dòng %(line)s: câu hỏi số không có đáp án.", line=block.first))
        return None, None
    answers, feedback_note = [], bool(catch_all and "#" in catch_all)
    for part in parts:
        weight, rest = _weight(part)
        weight = 100.0 if weight is None else weight
        raw, feedback = _answer_and_feedback(rest)
        feedback_note = feedback_note or bool(feedback)
        if raw == "*":
            question.notes.append(_("Đáp án “mọi số khác” (*) đã bỏ qua."))
            continue
        if ".." in raw[1:]:
            low, high = raw.split("..", 1)
            low, high = number(low), number(high)
            value = None if low is None or high is None else (low + high) / 2
            tolerance = None if value is None else high - value
        elif ":" in raw[1:]:
            value_text, tolerance_text = raw.split(":", 1)
            value, tolerance = number(value_text), number(tolerance_text)
        else:
            value, tolerance = number(raw), 0.0
        if value is None or tolerance is None:
            line = block.line_of(raw)
            block.error(_("Dòng %(line)s: đáp án “%(answer)s” của câu hỏi số không phải là số (ví dụ 3,5 hoặc 3.5; "
                          "khoảng 1..5; sai số 3:0,5).", line=line, answer=raw), line)
            return None, None
        answers.append({"value": value, "tolerance": abs(tolerance), "weight": weight})
    if catch_all is not None:
        question.notes.append(_("Đáp án “mọi số khác” (*) đã bỏ qua."))
    _note_feedback(question, feedback_note)
    return "numerical", {"answers": answers}


# --------------------------------------------------------------------------- export


def escape(text):
    """Text written into GIFT: Moodle's writequestion escapes ~ = # { } : and backslash."""
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _percent(weight):
    return format(weight, ".15g")


def _text_out(text):
    """Escaped text; one that starts with `[` gets an explicit [moodle] so that its own bracket is
    not read as a format marker, and one that starts with `%` cannot be read as a weight."""
    text = escape(text)
    return "[moodle]" + text if text.startswith(("[", "%")) else text


def export_question(question):
    """One question dict {qtype, stem, data, explanation, name, tags, idnumber, id} as a GIFT block."""
    qtype, data = question["qtype"], question.get("data") or {}
    lines = []
    name = question.get("name") or ""
    if question.get("id") is not None:
        lines.append(f"// question: {question['id']}  name: {name}")
    marks = []
    if question.get("idnumber"):
        marks.append(f"[id:{question['idnumber'].replace(']', chr(92) + ']')}]")
    tags = list(question.get("tags") or [])
    if level_tag(question.get("level")):
        tags.insert(0, level_tag(question.get("level")))
    marks += [f"[tag:{tag.replace(']', chr(92) + ']')}]" for tag in tags]
    if marks:
        lines.append("// " + " ".join(marks))
    head = (f"::{escape(name)}::" if name else "") + _text_out(question.get("stem") or "")
    explanation = question.get("explanation") or ""
    feedback = f"####{escape(explanation)}" if explanation else ""
    if qtype == "essay":
        body = "{" + feedback + "}"
    elif qtype == "true_false":
        body = "{" + ("TRUE" if data["correct"] else "FALSE") + feedback + "}"
    else:
        if qtype == "single_choice":
            items = [("=" if o["id"] == data["correct"] else "~") + _text_out(o["text"]) for o in data["options"]]
            items.insert(0, "")
        elif qtype == "multiple_choice":
            items = [""] + [f"~%{_percent(o['weight'])}%{_text_out(o['text'])}" for o in data["options"]]
        elif qtype == "short_answer":
            items = [""] + [f"=%{_percent(a['weight'])}%{_text_out(a['text'])}" for a in data["answers"]]
        elif qtype == "numerical":
            items = ["#"] + [f"=%{_percent(a['weight'])}%{_percent(a['value'])}:{_percent(a['tolerance'])}" for a in data["answers"]]
        elif qtype == "matching":
            items = [""] + [f"={_text_out(p['left'])} -> {escape(p['right'])}" for p in data["pairs"]]
        else:
            raise ValueError(f"GIFT cannot express {qtype}")
        body = "{" + items[0] + "\n" + "".join(f"\t{item}\n" for item in items[1:])
        if feedback:
            body += f"\t{feedback}\n"
        body += "}"
    lines.append(head + body)
    return "\n".join(lines) + "\n\n"


def export(questions):
    """GIFT for questions of the types GIFT can express (every type but true_false_group, which is
    skipped); a `category` change writes a `$CATEGORY:` block as Moodle does."""
    out, category = [], ""
    for question in questions:
        if question["qtype"] == "true_false_group":
            continue
        if (question.get("category") or "") != category:
            category = question.get("category") or ""
            out.append(f"$CATEGORY: {category}\n\n")
        out.append(export_question(question))
    return "".join(out).encode("utf-8")
