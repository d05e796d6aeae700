"""Word equations (Office Math Markup, `m:oMath` / `m:oMathPara`) written as LaTeX (issue 10).

The Word importer puts each equation in the question's text as `\\( … \\)`, the form KaTeX renders
on the question pages. What is converted: runs (Greek letters and operators become commands,
multi-letter function names `\\sin`, `\\log` …), fractions (bar, skewed, linear, no bar), sub- and
superscripts (also on the left), radicals, delimiters with separators, n-ary operators (sums,
products, integrals with their limits), functions, limits above and below, accents, bars,
group characters (braces under or over), boxes, equation arrays (as an `array` of rows) and
matrices (`matrix`, the delimiters around it written by the enclosing `m:d`). An element this
module does not know gives the LaTeX of its children, so its text is never lost.

A pure-Python converter was looked for on PyPI first: `dwml` (0.3, 2020, unmaintained) is the only
one, so this small walker over the XML is the project's own (no new dependency).
"""

M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

SYMBOLS = {
    # Greek letters
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ϵ": r"\epsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ϖ": r"\varpi", "ρ": r"\rho",
    "ϱ": r"\varrho", "σ": r"\sigma", "ς": r"\varsigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi",
    "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta",
    "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Υ": r"\Upsilon",
    "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    # operators and relations
    "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim", "≅": r"\cong",
    "×": r"\times", "÷": r"\div", "±": r"\pm", "∓": r"\mp", "·": r"\cdot", "⋅": r"\cdot", "∘": r"\circ",
    "∞": r"\infty", "∂": r"\partial", "∇": r"\nabla", "′": "'", "″": "''",
    "→": r"\to", "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "↑": r"\uparrow", "↓": r"\downarrow",
    "∈": r"\in", "∉": r"\notin", "∋": r"\ni", "⊂": r"\subset", "⊃": r"\supset", "⊆": r"\subseteq",
    "⊇": r"\supseteq", "∪": r"\cup", "∩": r"\cap", "∅": r"\emptyset", "∖": r"\setminus",
    "∀": r"\forall", "∃": r"\exists", "¬": r"\neg", "∧": r"\wedge", "∨": r"\vee",
    "∠": r"\angle", "△": r"\triangle", "∆": r"\Delta", "⊥": r"\perp", "∥": r"\parallel", "∡": r"\measuredangle",
    "°": r"^{\circ}", "…": r"\ldots", "⋯": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots",
    "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}", "ℝ": r"\mathbb{R}", "ℂ": r"\mathbb{C}",
    "∑": r"\sum", "∏": r"\prod", "∫": r"\int", "√": r"\surd", "−": "-", "∗": "*", "\u2061": "", "\u2062": "",
    "\u200b": "", "\u00a0": " ",
    # characters LaTeX reads as commands
    "{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&", "_": r"\_", "$": r"\$", "\\": r"\backslash",
    "~": r"\sim", "^": r"\hat{}",
}
NARY = {"∑": r"\sum", "∏": r"\prod", "∐": r"\coprod", "∫": r"\int", "∬": r"\iint", "∭": r"\iiint",
        "∮": r"\oint", "⋃": r"\bigcup", "⋂": r"\bigcap", "⋁": r"\bigvee", "⋀": r"\bigwedge"}
DELIMITERS = {"(": "(", ")": ")", "[": "[", "]": "]", "{": r"\{", "}": r"\}", "|": "|", "‖": r"\|",
              "⟨": r"\langle", "⟩": r"\rangle", "〈": r"\langle", "〉": r"\rangle", "⌊": r"\lfloor",
              "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil", "": "."}
ACCENTS = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0305": r"\bar", "\u00af": r"\bar",
           "\u0307": r"\dot", "\u0308": r"\ddot", "\u030c": r"\check", "\u0301": r"\acute", "\u0300": r"\grave",
           "\u0306": r"\breve", "\u20d7": r"\vec", "\u20d6": r"\overleftarrow", "\u20e1": r"\overleftrightarrow",
           "→": r"\vec"}
FUNCTIONS = {"sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
             "coth", "log", "ln", "lg", "exp", "lim", "max", "min", "sup", "inf", "det", "deg", "gcd", "arg",
             "dim", "ker"}


def _val(parent, name, default=None):
    """The m:val of a property child of `parent` (`m:chr`, `m:type`…), `default` when absent."""
    if parent is None:
        return default
    found = parent.find(M + name)
    if found is None:
        return default
    return found.get(M + "val", default if default is not None else "")


def _on(parent, name):
    value = _val(parent, name)
    return value is not None and value.lower() not in ("0", "off", "false")


def to_latex(element):
    """The LaTeX of an `m:oMath` or `m:oMathPara` element (without the `\\( \\)` around it)."""
    if element.tag == M + "oMathPara":
        rows = [_clean(_children(math)) for math in element.iter(M + "oMath")]
        return r" \\ ".join(r for r in rows if r)
    return _clean(_children(element))


def _clean(latex):
    return " ".join(latex.split())


def _children(element):
    return "".join(_node(child) for child in element)


def _arg(element, name):
    found = element.find(M + name)
    return _children(found) if found is not None else ""


def _group(latex):
    """`latex` as one operand: braced unless it is a single character or command."""
    latex = latex.strip()
    if len(latex) == 1 or (latex.startswith("\\") and latex[1:].isalpha()):
        return latex
    return "{" + latex + "}"


def _is_word_letter(char):
    """A letter that is no symbol of ours: Vietnamese text typed in an equation."""
    return char.isalpha() and not char.isascii() and char not in SYMBOLS


def _text(text, plain=False):
    """A run's text in LaTeX: Greek letters and operators as commands, known function names as
    `\\sin` …, characters LaTeX reads as commands escaped; a run of ordinary words (Word's "normal
    text", or Vietnamese letters) as `\\text{…}`."""
    if plain or any(_is_word_letter(c) for c in text):
        if not text.strip():
            return text
        escaped = "".join(SYMBOLS[c] + " " if c in "{}%#&_$\\" else c for c in text)
        return r"\text{" + escaped.replace("  ", " ") + "}"
    out, word = [], []

    def flush():
        if word:
            name = "".join(word)
            out.append("\\" + name + " " if name in FUNCTIONS else name)
            word.clear()
    for char in text:
        if char.isascii() and char.isalpha():
            word.append(char)
            continue
        flush()
        symbol = SYMBOLS.get(char)
        if symbol is not None:
            out.append(symbol + (" " if symbol[-1:].isalpha() else ""))
        else:
            out.append(char)
    flush()
    return "".join(out)


def _run(run):
    props = run.find(M + "rPr")
    plain = props is not None and props.find(M + "nor") is not None
    text = _run_text(run)
    return _text(text, plain=plain and any(c.isalpha() for c in text))


def _run_text(run):
    parts = []
    for child in run:
        if child.tag in (M + "t", W + "t"):
            parts.append(child.text or "")
        elif child.tag == W + "tab":
            parts.append(" ")
    return "".join(parts)


def _fraction(element):
    kind = _val(element.find(M + "fPr"), "type", "bar")
    num, den = _arg(element, "num"), _arg(element, "den")
    if kind == "lin":
        return f"{_group(num)}/{_group(den)}"
    if kind == "noBar":
        return r"\genfrac{}{}{0pt}{}{" + num + "}{" + den + "}"
    if kind == "skw":
        return r"{}^{" + num + r"}/_{" + den + "}"
    return r"\frac{" + num + "}{" + den + "}"


def _delimiter(element):
    props = element.find(M + "dPr")
    begin = _val(props, "begChr", "(")
    end = _val(props, "endChr", ")")
    separator = _val(props, "sepChr", "|")
    inner = [_children(e) for e in element.findall(M + "e")]
    sep = DELIMITERS.get(separator, separator)
    body = (r" \middle" + sep + " ").join(inner) if sep != "." and len(inner) > 1 else "".join(inner)
    return (r"\left" + DELIMITERS.get(begin, "(") + " " + body + r" \right" + DELIMITERS.get(end, ")"))


def _nary(element):
    props = element.find(M + "naryPr")
    operator = _val(props, "chr", "∫")
    latex = NARY.get(operator, SYMBOLS.get(operator, operator))
    if not _on(props, "subHide"):
        sub = _arg(element, "sub")
        if sub:
            latex += "_{" + sub + "}"
    if not _on(props, "supHide"):
        sup = _arg(element, "sup")
        if sup:
            latex += "^{" + sup + "}"
    return latex + " " + _group(_arg(element, "e"))


def _function(element):
    name = _arg(element, "fName").strip()
    bare = name.rstrip()
    if bare.startswith("\\"):
        head = bare
    elif bare.isalpha():
        head = "\\" + bare if bare in FUNCTIONS else r"\operatorname{" + bare + "}"
    else:
        head = bare
    return head + " " + _group(_arg(element, "e"))


def _accent(element):
    char = _val(element.find(M + "accPr"), "chr", "\u0302")
    return ACCENTS.get(char, r"\hat") + "{" + _arg(element, "e") + "}"


def _group_char(element):
    props = element.find(M + "groupChrPr")
    char = _val(props, "chr", "\u23df")
    position = _val(props, "pos", "bot")
    body = _arg(element, "e")
    if char == "\u23df":
        return r"\underbrace{" + body + "}"
    if char == "\u23de":
        return r"\overbrace{" + body + "}"
    symbol = SYMBOLS.get(char, char).strip()
    return (r"\underset{" if position == "bot" else r"\overset{") + symbol + "}{" + body + "}"


def _matrix(element):
    rows = []
    for row in element.findall(M + "mr"):
        rows.append(" & ".join(_children(cell) for cell in row.findall(M + "e")))
    return r"\begin{matrix} " + r" \\ ".join(rows) + r" \end{matrix}"


def _equation_array(element):
    rows = [_children(e).replace(r"\&", "") for e in element.findall(M + "e")]
    return r"\begin{array}{l} " + r" \\ ".join(rows) + r" \end{array}"


def _node(element):
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith(M):
        if tag == W + "r":
            return _text(_run_text(element))
        return ""  # w:rPr, bookmarks, proofing marks: no text
    name = tag[len(M):]
    if name.endswith("Pr"):
        return ""
    if name == "r":
        return _run(element)
    if name == "t":
        return _text(element.text or "")
    if name == "f":
        return _fraction(element)
    if name == "sSup":
        return _group(_arg(element, "e")) + "^{" + _arg(element, "sup") + "}"
    if name == "sSub":
        return _group(_arg(element, "e")) + "_{" + _arg(element, "sub") + "}"
    if name == "sSubSup":
        return _group(_arg(element, "e")) + "_{" + _arg(element, "sub") + "}^{" + _arg(element, "sup") + "}"
    if name == "sPre":
        return "{}_{" + _arg(element, "sub") + "}^{" + _arg(element, "sup") + "}" + _group(_arg(element, "e"))
    if name == "rad":
        degree = "" if _on(element.find(M + "radPr"), "degHide") else _arg(element, "deg").strip()
        return r"\sqrt" + (f"[{degree}]" if degree else "") + "{" + _arg(element, "e") + "}"
    if name == "d":
        return _delimiter(element)
    if name == "nary":
        return _nary(element)
    if name == "func":
        return _function(element)
    if name == "limLow":
        return _group(_arg(element, "e")) + "_{" + _arg(element, "lim") + "}"
    if name == "limUpp":
        return r"\overset{" + _arg(element, "lim") + "}{" + _arg(element, "e") + "}"
    if name == "acc":
        return _accent(element)
    if name == "bar":
        position = _val(element.find(M + "barPr"), "pos", "bot")
        return (r"\overline{" if position == "top" else r"\underline{") + _arg(element, "e") + "}"
    if name == "groupChr":
        return _group_char(element)
    if name == "borderBox":
        return r"\boxed{" + _arg(element, "e") + "}"
    if name == "m":
        return _matrix(element)
    if name == "eqArr":
        return _equation_array(element)
    if name == "oMath":
        return _children(element)
    return _children(element)  # box, phant, e, num, … : their content
