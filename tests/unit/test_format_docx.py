"""The Word (.docx) importer: the five real files of ../shared/interop/word against expected.json
(read from there, never copied), and python-docx-built files for each rule of issues 10 and 17."""

import io
import json
import time
from pathlib import Path

import docx as python_docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from lms.questions.formats import docx, parse

WORD = Path(__file__).resolve().parents[3] / "shared" / "interop" / "word"
EXPECTED = json.loads((WORD / "expected.json").read_text(encoding="utf-8"))
PARTS = {"I": 1, "II": 2, "III": 3}


def _answer_of(question):
    if question.qtype == "single_choice":
        return (question.data["correct"] or "").upper()
    if question.qtype == "true_false_group":
        return {s["id"]: "Đ" if s["correct"] else "S" for s in question.data["statements"]}
    if question.qtype == "short_answer":
        return question.data["answers"][0]["text"]
    return None


def _keyed(questions):
    """Questions by the keys expected.json uses: "N" (the Nth question), or "I.N" with parts."""
    keyed, part, seen = {}, 0, {}
    for index, question in enumerate(questions, start=1):
        keyed[str(index)] = question
        number = int(question.name.split()[-1]) if question.name else index
        if number == 1 or number <= seen.get(part, 0):
            part += 1
        seen[part] = number
        roman = {1: "I", 2: "II", 3: "III"}.get(part)
        keyed[f"{roman}.{number}"] = question
    return keyed


@pytest.mark.parametrize("expected", EXPECTED, ids=[e["file"].split("__")[0] for e in EXPECTED])
def test_real_file_against_expected(app, expected):
    with app.app_context():
        result = docx.parse((WORD / expected["file"]).read_bytes())
    assert result.errors == []
    assert len(result.questions) == expected["questions_total"]
    by_type = {}
    for question in result.questions:
        by_type[question.qtype] = by_type.get(question.qtype, 0) + 1
    assert by_type == expected["by_type"]
    keyed = _keyed(result.questions)
    for key, answer in expected.get("answers", {}).items():
        question = keyed[key]
        assert question.unresolved is None, (key, question.unresolved)
        wanted = answer.split(" ")[0] if isinstance(answer, str) and " (" in answer else answer
        assert _answer_of(question) == wanted, key
    if "options" in expected and "four" in expected["options"]:
        counts = [len(q.data.get("options", [])) for q in result.questions]
        assert counts.count(4) == expected["options"]["four"]
        assert counts.count(3) == expected["options"].get("three", 0)


def _notes_naming(result, paragraph):
    return [n for q in result.questions for n in q.notes if f"Đoạn {paragraph}:" in n]


def test_real_files_odd_paragraphs_are_named(app):
    """The odd paragraphs of expected.json that the importer has an opinion on are named in the
    preview (by 1-based paragraph number: expected.json's 0-based python-docx index + 1)."""
    with app.app_context():
        huyen = docx.parse((WORD / "huyenuet__multiple_choice_shuffle__de_kiem_tra.docx").read_bytes())
        tin = docx.parse((WORD / "truongthienbt__tinhochk2__tracnghiem.docx").read_bytes())
        hoa = docx.parse((WORD / "tapdoanhonguyen__nv5_module_onlinetest__de_thi_thu.docx").read_bytes())
    for para in (30, 34):  # three options
        assert any("3 phương án" in n for n in _notes_naming(huyen, para + 1))
    for para in (38, 43, 48):  # labels out of order, kept as written
        assert any("A, C, B, D" in n for n in _notes_naming(huyen, para + 1))
    nine = huyen.questions[8]
    assert [o["id"] for o in nine.data["options"]] == ["a", "c", "b", "d"] and nine.data["correct"] == "c"
    assert _notes_naming(tin, 145)  # Câu 18: Word shows "a." on option c; re-lettered by position
    eighteen = tin.questions[17]
    assert [o["text"] for o in eighteen.data["options"]][2] == "Slide Show/ Hide Slide"
    three = hoa.questions[2]  # options C and D have the same text; the star (D) is imported as is
    assert any("C" in n and "D" in n for n in three.notes if "giống" in n) and three.data["correct"] == "d"
    assert "Đáp án B" in three.explanation.replace("→ ", "")


# --------------------------------------------------------------------------- building files


class Builder:
    """A .docx made with python-docx, with Word's own numbering when asked."""

    def __init__(self):
        self.document = python_docx.Document()
        self.numbering = self.document.part.numbering_part.element
        self.next_abstract = 100
        self.next_num = 100

    def list(self, fmt="upperLetter", start=1, text="%1.", abstract=None, restart_at=None):
        """A new numbering instance; `abstract` reuses another list's abstract numbering (so it
        continues it, as Word does) unless `restart_at` gives a start override."""
        if abstract is None:
            abstract = self.next_abstract
            self.next_abstract += 1
            element = OxmlElement("w:abstractNum")
            element.set(qn("w:abstractNumId"), str(abstract))
            lvl = OxmlElement("w:lvl")
            lvl.set(qn("w:ilvl"), "0")
            for name, value in (("w:start", str(start)), ("w:numFmt", fmt), ("w:lvlText", text)):
                child = OxmlElement(name)
                child.set(qn("w:val"), value)
                lvl.append(child)
            element.append(lvl)
            self.numbering.insert(0, element)
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(self.next_num))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(abstract))
        num.append(ref)
        if restart_at is not None:
            override = OxmlElement("w:lvlOverride")
            override.set(qn("w:ilvl"), "0")
            start_override = OxmlElement("w:startOverride")
            start_override.set(qn("w:val"), str(restart_at))
            override.append(start_override)
            num.append(override)
        self.numbering.append(num)
        self.next_num += 1
        return self.next_num - 1, abstract

    def p(self, *runs, num=None):
        """A paragraph of runs: plain strings, or (text, {"bold", "underline", "red", "color"})."""
        paragraph = self.document.add_paragraph()
        for run in runs:
            text, style = (run, {}) if isinstance(run, str) else run
            made = paragraph.add_run(text)
            made.bold = style.get("bold")
            made.underline = style.get("underline")
            if style.get("red") or style.get("color"):
                made.font.color.rgb = RGBColor.from_string(style.get("color", "FF0000"))
        if num is not None:
            props = paragraph._p.get_or_add_pPr()
            num_pr = OxmlElement("w:numPr")
            ilvl, num_id = OxmlElement("w:ilvl"), OxmlElement("w:numId")
            ilvl.set(qn("w:val"), "0")
            num_id.set(qn("w:val"), str(num))
            num_pr.append(ilvl)
            num_pr.append(num_id)
            props.append(num_pr)
        return paragraph

    def table(self, rows):
        table = self.document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
        return table

    def bytes(self):
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def _parse(app, builder):
    with app.app_context():
        return parse("docx", builder.bytes(), "de.docx")


RED, BOLD, UNDER = {"red": True}, {"bold": True}, {"underline": True}


def test_every_answer_mark(app):
    b = Builder()
    b.p("Câu 1. [NB] Thủ đô của Việt Nam?")
    b.p("A. Huế")
    b.p(("B", UNDER), ". Hà Nội")
    b.p("C. Đà Nẵng")
    b.p("D. Vinh")
    b.p("Câu 2: [VDC] Số nguyên tố chẵn?")
    b.p("A. 1\tB. ", ("2", {"color": "C00000"}), "\tC. 3\tD. 4")
    b.p("Câu 3. Chọn đáp án đúng")
    b.p("*A. Một")
    b.p("B. Hai")
    b.p("C. Ba")
    b.p("Câu 4. 2 + 2 = ?")
    b.p("A. 3")
    b.p("B. 4 ✅")
    b.p("C. 5")
    b.p("Câu 5. Chữ cái đầu?")
    b.p("A. a")
    b.p("B. b")
    b.p("Đáp án: A")
    b.p("Câu 6. Tên nước ta?")
    b.p("A. Lào")
    b.p("B. Việt Nam")
    b.p("ANSWER: B")
    b.p("Câu 7. Màu của lá?")
    b.p("A. Đỏ")
    b.p("B. *Xanh")
    b.p("C. Tím")
    b.p("D. Vàng")
    b.p("E. Đen")
    b.p("Câu 8. Theme red")
    b.p("A. Một")
    b.p("B. ", ("Hai", {"color": "C0504D"}))
    result = _parse(app, b)
    assert result.errors == []
    answers = [(q.data["correct"], q.answer_mark) for q in result.questions]
    assert answers == [("b", "underline"), ("b", "red"), ("a", "star"), ("b", "check"), ("a", "answer_line"),
                       ("b", "answer_line"), ("b", "star"), ("b", "red")]
    assert [q.level for q in result.questions[:2]] == ["nhan_biet", "van_dung_cao"]
    assert result.questions[0].stem == "Thủ đô của Việt Nam?"
    assert result.questions[3].data["options"][1]["text"] == "4"
    assert [len(q.data["options"]) for q in result.questions] == [4, 4, 3, 3, 2, 2, 5, 2]
    assert any("5 phương án" in n for n in result.questions[6].notes)


def test_bold_label_is_a_mark_only_when_the_others_are_not_bold_and_a_bold_cau_is_not(app):
    b = Builder()
    b.p(("Câu 1.", {"bold": True, "underline": True}), " Một cộng một?")
    b.p("A. 1")
    b.p(("B.", BOLD), " 2")
    b.p("C. 3")
    b.p(("Câu 2.", BOLD), (" Tất cả in đậm", BOLD))
    b.p(("A. x", BOLD))
    b.p(("B. y", BOLD))
    result = _parse(app, b)
    first, second = result.questions
    assert first.data["correct"] == "b" and first.answer_mark == "bold"
    assert second.unresolved is not None and second.data["correct"] is None
    assert second.unresolved["choices"] == ["a", "b"] and second.unresolved["paragraph"] == 5


def test_disagreeing_marks_and_two_marked_options_are_unresolved_not_errors(app):
    b = Builder()
    b.p("Câu 1. Câu hỏi một")
    b.p("A. ", ("Một", RED))
    b.p("B. Hai")
    b.p("Đáp án: B")
    b.p("Câu 2. Câu hỏi hai")
    b.p("*A. Một")
    b.p("*B. Hai")
    b.p("C. Ba")
    b.p("Câu 3. Không đánh dấu")
    b.p("A. Một")
    b.p("B. Hai")
    result = _parse(app, b)
    assert result.errors == [] and len(result.questions) == 3
    disagree, two, none = result.questions
    assert disagree.unresolved["marks"] == {"answer_line": ["B"], "red": ["A"]}
    assert "không khớp" in disagree.unresolved["reason"]
    assert two.unresolved["marks"] == {"star": ["A", "B"]} and "2 phương án" in two.unresolved["reason"]
    assert none.unresolved["paragraph"] == 9 and "Câu 3" in none.unresolved["context"]
    assert [o["text"] for o in none.data["options"]] == ["Một", "Hai"]


def test_word_numbering_restarts_starts_at_b_continues_and_bullets(app):
    b = Builder()
    letters, abstract = b.list("upperLetter")
    b.p("Câu 1. Một")
    for text in ("x", "y"):
        b.p(text, num=letters)
    b.p(("z", RED), num=letters)
    # A second instance of the same abstract list restarted at 1 (Word's "Restart numbering").
    restarted, _abstract = b.list(abstract=abstract, restart_at=1)
    b.p("Câu 2. Hai")
    b.p(("p", UNDER), num=restarted)
    b.p("q", num=restarted)
    # A typed "A." then Word's list starting at B.
    from_b, _abstract = b.list("upperLetter", start=2)
    b.p("Câu 3. Ba")
    b.p("A. đầu")
    b.p("giữa", num=from_b)
    b.p("", )
    b.p(("cuối", RED), num=from_b)
    # Bullets: options without letters, taken in order.
    bullets, _abstract = b.list("bullet", text="•")
    b.p("Câu 4. Bốn")
    b.p("một", num=bullets)
    b.p("*hai", num=bullets)
    b.p("ba", num=bullets)
    # The same abstract list without a restart continues (Word shows D., E.): re-lettered by position.
    continued, _abstract = b.list(abstract=abstract)
    b.p("Câu 5. Năm")
    b.p("m", num=continued)
    b.p(("n", RED), num=continued)
    result = _parse(app, b)
    assert result.errors == []
    q1, q2, q3, q4, q5 = result.questions
    assert [o["text"] for o in q1.data["options"]] == ["x", "y", "z"] and q1.data["correct"] == "c"
    assert [o["id"] for o in q2.data["options"]] == ["a", "b"] and q2.data["correct"] == "a"
    assert [o["text"] for o in q3.data["options"]] == ["đầu", "giữa", "cuối"] and q3.data["correct"] == "c"
    assert q4.data["correct"] == "b" and [o["text"] for o in q4.data["options"]] == ["một", "hai", "ba"]
    assert [o["id"] for o in q5.data["options"]] == ["d", "e"] and q5.data["correct"] == "e"


def test_numbering_labels_resolved():
    root = docx.parse_xml(b"""<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
      <w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="lowerRoman"/>
        <w:lvlText w:val="(%1)"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
        <w:lvlText w:val="%1.%2"/></w:lvl></w:abstractNum>
      <w:num w:numId="5"><w:abstractNumId w:val="1"/></w:num></w:numbering>""")
    numbering = docx.Numbering(root)
    assert [numbering.label("5", level) for level in (0, 1, 1, 0, 1)] == ["(iii)", "iii.1", "iii.2", "(iv)", "iv.1"]
    assert numbering.label("9", 0) == ""


def test_layouts_parts_answer_table_tf_groups_and_explanations(app):
    b = Builder()
    b.p("ĐỀ KIỂM TRA GIỮA KÌ")
    b.p("PHẦN I. Trắc nghiệm")
    b.p("1. Hai cộng hai?")
    b.p("A.Ba\t\tB.Bốn\t\tC.Năm\t\tD.Sáu")
    b.p("")
    b.p("2: Ba cộng ba?")
    b.p("A. 5      C. 6")
    b.p("B. 7      D. 8")
    b.p("PHẦN II. Đúng sai")
    b.p("1. [TF] Xét các mệnh đề")
    b.p("a) 1 > 0")
    b.p("b) 2 < 1")
    b.p("c) $x^2 \\ge 0$")
    b.p("d) 0 = 1")
    b.p("Lời giải")
    b.p("Vì 1 > 0 và $x^2$ không âm.")
    b.p("PHẦN III")
    b.p("1) Viết cảm nghĩ")
    b.p("> Gợi ý: nói về mùa thu.")
    b.p("----- HẾT -----")
    b.p("1-B 2.C")
    b.table([["1a-Đ", "1b-S", "1c-Đ", "1d-S"]])
    result = _parse(app, b)
    assert result.errors == []
    one, two, group, essay = result.questions
    assert [o["text"] for o in one.data["options"]] == ["Ba", "Bốn", "Năm", "Sáu"]
    assert (one.data["correct"], one.answer_mark) == ("b", "answer_table")
    assert [o["id"] for o in two.data["options"]] == ["a", "c", "b", "d"] and two.data["correct"] == "c"
    assert group.qtype == "true_false_group" and group.answer_mark == "answer_table"
    assert [s["correct"] for s in group.data["statements"]] == [True, False, True, False]
    assert group.data["statements"][2]["text"] == "$x^2 \\ge 0$"
    assert group.explanation == "Vì 1 > 0 và $x^2$ không âm."
    assert essay.qtype == "essay" and essay.explanation == "Gợi ý: nói về mùa thu."


def test_exam_as_one_table_with_x_in_the_answer_column(app):
    b = Builder()
    b.table([["Câu 1", "Thủ đô của Pháp?", ""],
             ["A.", "Paris", "x"],
             ["B.", "Lyon", ""],
             ["Câu 2", "Số chẵn?", ""],
             ["A", "3", ""],
             ["B", "4", "X"]])
    result = _parse(app, b)
    assert result.errors == []
    assert [(q.stem, q.data["correct"], q.answer_mark) for q in result.questions] == [
        ("Thủ đô của Pháp?", "a", "x"), ("Số chẵn?", "b", "x")]
    assert result.questions[1].data["options"][1]["text"] == "4"


def test_a_question_with_one_option_is_an_error_with_its_paragraph(app):
    b = Builder()
    b.p("Câu 1. Chỉ một phương án")
    b.p("*A. Một")
    result = _parse(app, b)
    assert result.questions == [] and [p.line for p in result.errors] == [1]


def test_not_a_docx_is_refused(app):
    from lms.core.documents import DocumentError

    with app.app_context(), pytest.raises(DocumentError):
        parse("docx", b"PK\x03\x04 not really a zip", "x.docx")


def numbered_bank(questions=300):
    """A generated file like the 300-question bank of issue 17: typed `Câu N.`, options in Word's
    own numbering (a new list per question, restarted), the answer in red."""
    b = Builder()
    _first, abstract = b.list("upperLetter")
    for n in range(1, questions + 1):
        b.p(f"Câu {n}. [TH] Câu hỏi số {n} về phân số và tỉ lệ thức trong chương trình lớp 7?")
        num, _abstract = b.list(abstract=abstract, restart_at=1)
        for k in range(4):
            text = f"Phương án {k + 1} của câu {n}"
            b.p((text, RED) if k == n % 4 else text, num=num)
    return b


def test_speed_300_questions_with_1200_numbered_paragraphs(app):
    data = numbered_bank(300).bytes()
    with app.app_context():
        started = time.perf_counter()
        result = parse("docx", data, "bank.docx")
        elapsed = time.perf_counter() - started
    assert result.errors == [] and len(result.questions) == 300
    assert all(q.data["correct"] == "abcd"[int(q.name.split()[1]) % 4] for q in result.questions)
    assert elapsed < 2.0, elapsed


def test_true_false_group_without_answers_is_unresolved_with_every_way_to_answer(app):
    b = Builder()
    b.p("Câu 1. [TF] Xét các mệnh đề")
    for text in ("a) Một", "b) Hai", "c) Ba", "d) Bốn"):
        b.p(text)
    result = _parse(app, b)
    (group,) = result.questions
    assert group.qtype == "true_false_group" and len(group.unresolved["choices"]) == 16
    picked = group.unresolved["resolutions"]["a-Đ, b-S, c-S, d-Đ"]
    assert [s["correct"] for s in picked["statements"]] == [True, False, False, True]
