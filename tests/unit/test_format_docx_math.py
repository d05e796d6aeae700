"""Word equations (OMML) in a .docx question file become LaTeX between \\( \\) (issue 10): files
built with python-docx carrying the OMML that Word writes."""

import io

import docx as python_docx
from docx.oxml import parse_xml

from lms.questions.formats import omml, parse

NS = ('xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
      'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"')


def r(text, plain=False):
    props = "<m:rPr><m:nor/></m:rPr>" if plain else ""
    return f"<m:r>{props}<w:rPr><w:rFonts w:ascii='Cambria Math'/></w:rPr><m:t xml:space='preserve'>{text}</m:t></m:r>"


def math(inner, para=False):
    body = f"<m:oMath {NS}>{inner}</m:oMath>" if not para else \
        f"<m:oMathPara {NS}><m:oMath>{inner}</m:oMath></m:oMathPara>"
    return body


def latex(inner):
    return omml.to_latex(parse_xml(math(inner)))


def frac(num, den, kind=None):
    props = f"<m:fPr><m:type m:val='{kind}'/></m:fPr>" if kind else "<m:fPr><m:ctrlPr/></m:fPr>"
    return f"<m:f>{props}<m:num>{num}</m:num><m:den>{den}</m:den></m:f>"


def sup(base, exponent):
    return f"<m:sSup><m:sSupPr/><m:e>{base}</m:e><m:sup>{exponent}</m:sup></m:sSup>"


def sub(base, index):
    return f"<m:sSub><m:e>{base}</m:e><m:sub>{index}</m:sub></m:sSub>"


def rad(body, degree=None):
    props = "<m:radPr><m:degHide m:val='1'/></m:radPr>" if degree is None else "<m:radPr/>"
    return f"<m:rad>{props}<m:deg>{r(degree) if degree else ''}</m:deg><m:e>{body}</m:e></m:rad>"


def delim(*parts, begin=None, end=None):
    props = "".join(f"<m:{name} m:val='{value}'/>" for name, value in (("begChr", begin), ("endChr", end))
                    if value is not None)
    return f"<m:d><m:dPr>{props}</m:dPr>" + "".join(f"<m:e>{p}</m:e>" for p in parts) + "</m:d>"


def test_fractions_scripts_radicals_and_delimiters():
    assert latex(frac(r("a+1"), r("2b"))) == r"\frac{a+1}{2b}"
    assert latex(frac(r("1"), r("2"), "lin")) == "1/2"
    assert latex(sup(r("x"), r("2")) + r("+") + sub(r("a"), r("n"))) == "x^{2}+a_{n}"
    assert latex(sup(delim(r("x+1")), r("3"))) == r"{\left( x+1 \right)}^{3}"
    assert latex("<m:sSubSup><m:e>" + r("x") + "</m:e><m:sub>" + r("i") + "</m:sub><m:sup>" + r("2")
                 + "</m:sup></m:sSubSup>") == "x_{i}^{2}"
    assert latex(rad(r("2"))) == r"\sqrt{2}"
    assert latex(rad(r("8"), "3")) == r"\sqrt[3]{8}"
    assert latex(delim(r("a"), r("b"), begin="[", end="]")) == r"\left[ a \middle| b \right]"
    assert latex(delim(r("x"), begin="|", end="|")) == r"\left| x \right|"


def test_nary_functions_accents_greek_and_operators():
    nary = ("<m:nary><m:naryPr><m:chr m:val='∑'/><m:limLoc m:val='undOvr'/></m:naryPr><m:sub>" + r("i=1")
            + "</m:sub><m:sup>" + r("n") + "</m:sup><m:e>" + r("i") + "</m:e></m:nary>")
    assert latex(nary) == r"\sum_{i=1}^{n} i"
    integral = ("<m:nary><m:naryPr><m:supHide m:val='0'/></m:naryPr><m:sub>" + r("0") + "</m:sub><m:sup>"
                + r("1") + "</m:sup><m:e>" + r("x dx") + "</m:e></m:nary>")
    assert latex(integral) == r"\int_{0}^{1} {x dx}"
    func = "<m:func><m:fName>" + r("sin") + "</m:fName><m:e>" + r("α") + "</m:e></m:func>"
    assert latex(func) == r"\sin \alpha"
    limit = ("<m:func><m:fName><m:limLow><m:e>" + r("lim") + "</m:e><m:lim>" + r("x→0") + "</m:lim></m:limLow>"
             "</m:fName><m:e>" + frac(r("sinx"), r("x")) + "</m:e></m:func>")
    assert latex(limit) == r"\lim_{x\to 0} {\frac{sinx}{x}}"
    assert latex(r("2π≤3×4≠12÷1±∞")) == r"2\pi \le 3\times 4\ne 12\div 1\pm \infty"
    assert latex("<m:acc><m:accPr><m:chr m:val='⃗'/></m:accPr><m:e>" + r("AB") + "</m:e></m:acc>") == r"\vec{AB}"
    assert latex("<m:bar><m:barPr><m:pos m:val='top'/></m:barPr><m:e>" + r("AB") + "</m:e></m:bar>") == \
        r"\overline{AB}"
    assert latex(r("ΔABC ∽ ΔDEF, ∠A=60°")) == r"\Delta ABC ∽ \Delta DEF, \angle A=60^{\circ}"
    assert latex(r("{x}_%")) == r"\{x\}\_\%"
    assert latex(r("Diện tích", plain=True)) == r"\text{Diện tích}"
    assert latex(r("S = ") + r("diện tích")) == r"S = \text{diện tích}"


def test_matrices_equation_arrays_and_unknown_elements_keep_their_text():
    matrix = ("<m:m><m:mPr/><m:mr><m:e>" + r("1") + "</m:e><m:e>" + r("2") + "</m:e></m:mr><m:mr><m:e>" + r("3")
              + "</m:e><m:e>" + r("4") + "</m:e></m:mr></m:m>")
    assert latex(delim(matrix)) == r"\left( \begin{matrix} 1 & 2 \\ 3 & 4 \end{matrix} \right)"
    system = delim("<m:eqArr><m:e>" + r("x+y=3") + "</m:e><m:e>" + r("x-y=1") + "</m:e></m:eqArr>",
                   begin="{", end="")
    assert latex(system) == r"\left\{ \begin{array}{l} x+y=3 \\ x-y=1 \end{array} \right."
    assert latex("<m:box><m:e>" + r("x") + "</m:e></m:box><m:phant><m:e>" + r("y") + "</m:e></m:phant>"
                 "<m:futureThing>" + r("z") + "</m:futureThing>") == "xyz"
    para = omml.to_latex(parse_xml(math(r("a=1"), para=True)))
    assert para == "a=1"


def _docx(paragraphs):
    """A .docx whose paragraphs are lists of pieces: plain text, or ("math", inner OMML)."""
    document = python_docx.Document()
    for pieces in paragraphs:
        paragraph = document.add_paragraph()
        for piece in pieces:
            if isinstance(piece, tuple):
                kind, inner = piece
                paragraph._p.append(parse_xml(math(inner, para=kind == "mathpara")))
            else:
                paragraph.add_run(piece)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_equations_in_stems_and_options_become_latex(app):
    red = "<m:r><w:rPr><w:color w:val='FF0000'/></w:rPr><m:t>" + "4" + "</m:t></m:r>"
    data = _docx([
        ["Câu 1. Tính ", ("math", frac(r("1"), r("2")) + r("+") + frac(r("1"), r("4"))), " bằng"],
        ["A. ", ("math", frac(r("3"), r("4")))],
        ["*B. ", ("math", frac(r("2"), r("6")))],
        ["Câu 2. Giải phương trình"],
        [("mathpara", sup(r("x"), r("2")) + r("=16"))],
        ["A. ", ("math", r("x=±") + red)],
        ["B. ", ("math", r("x=") + rad(r("16")))],
    ])
    with app.app_context():
        result = parse("docx", data, "de.docx")
    assert result.errors == []
    first, second = result.questions
    assert first.stem == r"Tính \(\frac{1}{2}+\frac{1}{4}\) bằng"
    assert [o["text"] for o in first.data["options"]] == [r"\(\frac{3}{4}\)", r"\(\frac{2}{6}\)"]
    assert first.data["correct"] == "b"
    assert second.stem == "Giải phương trình\n\\(x^{2}=16\\)"
    assert [o["text"] for o in second.data["options"]] == [r"\(x=\pm 4\)", r"\(x=\sqrt{16}\)"]
    assert second.data["correct"] == "a" and second.answer_mark == "red"  # a red run inside the equation


# --------------------------------------------------------------------------- numbering and parts


def test_numbering_that_cannot_be_resolved_is_an_error_naming_its_paragraph(app):
    from tests.unit.test_format_docx import Builder

    b = Builder()
    letters, _abstract = b.list("upperLetter")
    b.p("Câu 1. Một cộng một?")
    b.p("1", num=letters)
    b.p(("2", {"red": True}), num=letters)
    b.p("Câu 2. Hai cộng hai?")
    b.p("3", num=77)  # numbering.xml has no list 77: Word's label cannot be told
    b.p("4", num=77)
    result = _parse_builder(app, b)
    assert [p.line for p in result.errors] == [5, 6]
    assert "Đoạn 5:" in result.errors[0].message and "danh sách số 77" in result.errors[0].message
    assert "“3”" in result.errors[0].message


def test_part_heading_whose_count_does_not_match_is_a_warning_with_its_paragraph(app):
    from tests.unit.test_format_docx import Builder

    b = Builder()
    b.p("PHẦN I. TRẮC NGHIỆM (3 câu)")
    for n in (1, 2):
        b.p(f"Câu {n}. Câu hỏi {n}")
        b.p("*A. Có")
        b.p("B. Không")
    b.p("PHẦN II. Trắc nghiệm đúng sai (gồm 1 câu)")
    b.p("Câu 1. [TF] Xét các ý")
    for text in ("a) Một", "b) Hai", "c) Ba", "d) Bốn"):
        b.p(text)
    b.p("Đáp án: a-Đ, b-S, c-Đ, d-S")
    result = _parse_builder(app, b)
    assert result.errors == [] and len(result.questions) == 3
    assert [(p.line, "ghi 3 câu" in p.message and "đọc được 2 câu" in p.message) for p in result.warnings] == [
        (1, True)]


def _parse_builder(app, builder):
    with app.app_context():
        return parse("docx", builder.bytes(), "de.docx")
