"""Moodle XML, read the way Moodle's qformat_xml reads it and written the way it writes it.

Read: multichoice (single → single_choice, several → multiple_choice), truefalse, shortanswer,
numerical, matching and essay; `<question type="category">` sets the category path of the
questions after it (Moodle's context prefix `$course$/`, `$module$/`… dropped); a description is
skipped with a warning, as is a type we do not have (cloze, calculated, drag and drop…).

Moodle's rule kept: every answer's fraction must be one of Moodle's grade options
(question_bank::fraction_options_full: ±100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40,
33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0 percent, compared within
0.00000005 as match_grade_options does); Moodle refuses the import otherwise (its
error_invalid_grades.xml fixture: 33% fails, 33.33333% passes), and so do we, naming the question's line.

The file is parsed through core.documents (no DTD, no entities, bounded size); line numbers come
from a second pass with expat over the same, already checked, bytes.
"""

from xml.parsers import expat
from xml.sax.saxutils import escape as xml_escape

from ...core.documents import parse_xml
from ...core.errors import DomainError, _
from .. import types
from . import ParsedQuestion, ParseProblem, ParseResult
from .gift import level_from_tags, level_tag

GRADE_OPTIONS = (1, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
                 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0)
_CONTEXTS = ("$course$/", "$cat$/", "$module$/", "$system$/", "$coursecategory$/")


def allowed_fraction(fraction):
    """Moodle's match_grade_options(…, 'error'): the fraction is one of the grade options."""
    return any(abs(abs(fraction) - option) < 0.00000005 for option in GRADE_OPTIONS)


def _question_lines(data):
    """The line of each <question> element directly under the root, in order."""
    lines, depth = [], [0]
    parser = expat.ParserCreate()

    def start(name, attrs):
        depth[0] += 1
        if depth[0] == 2 and name == "question":
            lines.append(parser.CurrentLineNumber)

    def end(name):
        depth[0] -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        pass
    return lines


def _text(element, path="text"):
    if element is None:
        return ""
    found = element.find(path) if path else element
    return (found.text or "").strip() if found is not None else ""


def _category_path(text):
    for prefix in _CONTEXTS:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if text == "top" or text.startswith("top/"):
        text = text[4:]
    return text.strip()


def parse(data, filename=""):
    """Raises core.documents' errors (415 not XML, 422 a DTD or too big); everything about the
    questions themselves is in the returned ParseResult."""
    root = parse_xml(data, where=filename or "moodle.xml")
    result = ParseResult()
    if root.tag != "quiz":
        result.errors.append(ParseProblem(1, _("Tệp không phải Moodle XML: phần tử gốc phải là <quiz>.")))
        return result
    lines = _question_lines(data)
    category = ""
    for index, element in enumerate(root.findall("question")):
        line = lines[index] if index < len(lines) else None
        qtype = element.get("type", "")
        if qtype == "category":
            category = _category_path(_text(element.find("category")))
            continue
        if qtype == "description":
            result.warnings.append(ParseProblem(line, _(
                "Dòng %(line)s: phần mô tả (description) không phải câu hỏi, đã bỏ qua.", line=line)))
            continue
        reader = _READERS.get(qtype)
        if reader is None:
            result.warnings.append(ParseProblem(line, _(
                "Dòng %(line)s: loại câu hỏi Moodle “%(type)s” chưa được hỗ trợ, đã bỏ qua.", line=line, type=qtype)))
            continue
        _read_question(element, reader, line, category, result)
    return result


def _read_question(element, reader, line, category, result):
    tags = [_text(tag) for tag in element.findall("tags/tag")]
    level, tags = level_from_tags([t for t in tags if t])
    question = ParsedQuestion("", _text(element.find("questiontext")), {}, line or 0,
                              explanation=_text(element.find("generalfeedback")),
                              name=_text(element.find("name")), tags=tags, category=category,
                              idnumber=_text(element, "idnumber"), level=level)
    answers = []
    for answer in element.findall("answer"):
        try:
            fraction = float(answer.get("fraction", "0")) / 100
        except ValueError:
            fraction = None
        answers.append({"text": _text(answer), "fraction": fraction, "element": answer})
    bad = [a for a in answers if a["fraction"] is None or not allowed_fraction(a["fraction"])]
    if bad:
        shown = ", ".join(a["element"].get("fraction", "") for a in bad)
        result.errors.append(ParseProblem(line, _(
            "Dòng %(line)s: điểm (fraction) %(grades)s không thuộc danh sách điểm Moodle cho phép "
            "(ví dụ 33.33333 chứ không phải 33).", line=line, grades=shown)))
        return
    qtype, data = reader(element, answers, question)
    if qtype is None:
        result.errors.append(ParseProblem(line, data))
        return
    try:
        question.data = types.get(qtype).validate(data)
    except DomainError as error:
        detail = "; ".join(f"{k}: {v}" for k, v in error.details.items())
        result.errors.append(ParseProblem(line, _("Dòng %(line)s: %(problem)s (%(details)s)", line=line,
                                                  problem=error.message, details=detail)))
        return
    question.qtype = qtype
    result.questions.append(question)


def _percent(fraction):
    return round(fraction * 100, 5)


def _multichoice(element, answers, question):
    single = _text(element, "single").lower() in ("true", "1")
    options = [{"id": chr(ord("a") + i), "text": a["text"], "weight": _percent(a["fraction"])}
               for i, a in enumerate(answers)]
    if not single:
        return "multiple_choice", {"options": options}
    full = [o for o in options if o["weight"] == 100]
    if len(full) != 1 or any(o["weight"] not in (0, 100) for o in options):
        return None, _("Dòng %(line)s: câu hỏi một đáp án phải có đúng một phương án 100%% và các phương án khác 0%%.",
                       line=question.line)
    return "single_choice", {"options": [{"id": o["id"], "text": o["text"]} for o in options],
                             "correct": full[0]["id"]}


def _truefalse(element, answers, question):
    for answer in answers:
        if answer["fraction"] == 1 and answer["text"].lower() in ("true", "false"):
            return "true_false", {"correct": answer["text"].lower() == "true"}
    return None, _("Dòng %(line)s: câu Đúng/Sai không có đáp án đúng 100%%.", line=question.line)


def _shortanswer(element, answers, question):
    return "short_answer", {"answers": [{"text": a["text"], "weight": _percent(a["fraction"])} for a in answers],
                            "case_sensitive": _text(element, "usecase") in ("1", "true")}


def _numerical(element, answers, question):
    kept = []
    for answer in answers:
        if answer["text"] == "*":
            question.notes.append(_("Đáp án “mọi số khác” (*) đã bỏ qua."))
            continue
        kept.append({"value": answer["text"], "tolerance": _text(answer["element"], "tolerance") or "0",
                     "weight": _percent(answer["fraction"])})
    return "numerical", {"answers": kept}


def _matching(element, answers, question):
    pairs = []
    for sub in element.findall("subquestion"):
        left, right = _text(sub), _text(sub.find("answer"))
        if not left:
            question.notes.append(_("Phương án nhiễu “%(right)s” (không có ý trái) đã bỏ qua: loại ghép đôi "
                                    "không có phương án nhiễu.", right=right))
            continue
        pairs.append({"id": str(len(pairs) + 1), "left": left, "right": right})
    return "matching", {"pairs": pairs}


def _essay(element, answers, question):
    return "essay", {}


_READERS = {"multichoice": _multichoice, "truefalse": _truefalse, "shortanswer": _shortanswer,
            "numerical": _numerical, "matching": _matching, "match": _matching, "essay": _essay}


# --------------------------------------------------------------------------- export


def _cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text_element(text, indent="      "):
    return f"{indent}<text>{_cdata(text) if any(c in text for c in '<>&') else xml_escape(text)}</text>\n"


def _number(value):
    return format(value, ".15g")


def _answer(fraction, text, extra=""):
    return (f'    <answer fraction="{_number(fraction)}" format="moodle_auto_format">\n'
            f"{_text_element(text)}{extra}    </answer>\n")


_XML_TYPES = {"single_choice": "multichoice", "multiple_choice": "multichoice", "true_false": "truefalse",
              "short_answer": "shortanswer", "numerical": "numerical", "matching": "matching", "essay": "essay"}


def export_question(question):
    qtype, data = question["qtype"], question.get("data") or {}
    parts = [f'  <question type="{_XML_TYPES[qtype]}">\n',
             "    <name>\n", _text_element(question.get("name") or " ".join((question.get("stem") or "").split())[:80]),
             "    </name>\n",
             '    <questiontext format="html">\n', _text_element(question.get("stem") or ""), "    </questiontext>\n",
             '    <generalfeedback format="html">\n', _text_element(question.get("explanation") or ""),
             "    </generalfeedback>\n",
             f"    <idnumber>{xml_escape(question.get('idnumber') or '')}</idnumber>\n"]
    if qtype in ("single_choice", "multiple_choice"):
        parts.append(f"    <single>{'true' if qtype == 'single_choice' else 'false'}</single>\n")
        parts.append("    <shuffleanswers>true</shuffleanswers>\n    <answernumbering>abc</answernumbering>\n")
        for option in data["options"]:
            fraction = (100 if option["id"] == data["correct"] else 0) if qtype == "single_choice" else option["weight"]
            parts.append(_answer(fraction, option["text"]))
    elif qtype == "true_false":
        parts.append(_answer(100 if data["correct"] else 0, "true"))
        parts.append(_answer(0 if data["correct"] else 100, "false"))
    elif qtype == "short_answer":
        parts.append(f"    <usecase>{1 if data.get('case_sensitive') else 0}</usecase>\n")
        parts += [_answer(a["weight"], a["text"]) for a in data["answers"]]
    elif qtype == "numerical":
        parts += [_answer(a["weight"], _number(a["value"]), f"      <tolerance>{_number(a['tolerance'])}</tolerance>\n")
                  for a in data["answers"]]
    elif qtype == "matching":
        parts.append("    <shuffleanswers>true</shuffleanswers>\n")
        for pair in data["pairs"]:
            parts += ['    <subquestion format="html">\n', _text_element(pair["left"]),
                      "      <answer>\n", _text_element(pair["right"], "        "), "      </answer>\n",
                      "    </subquestion>\n"]
    elif qtype == "essay":
        parts.append("    <responseformat>editor</responseformat>\n")
    tags = list(question.get("tags") or [])
    if level_tag(question.get("level")):
        tags.insert(0, level_tag(question.get("level")))
    if tags:
        parts.append("    <tags>\n")
        parts += [f"      <tag><text>{xml_escape(tag)}</text></tag>\n" for tag in tags]
        parts.append("    </tags>\n")
    parts.append("  </question>\n")
    return "".join(parts)


def export(questions):
    """Moodle XML for every type but true_false_group (which Moodle has no type for: skipped); a
    category question precedes each change of category, as Moodle writes it."""
    out, category = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'], None
    for question in questions:
        if question["qtype"] not in _XML_TYPES:
            continue
        if (question.get("category") or "") != category:
            category = question.get("category") or ""
            out.append('  <question type="category">\n    <category>\n'
                       f"{_text_element('$course$/top' + ('/' + category if category else ''))}"
                       "    </category>\n  </question>\n")
        out.append(export_question(question))
    out.append("</quiz>\n")
    return "".join(out).encode("utf-8")
