"""Word (.docx) question files laid out the Vietnamese way, as teachers really write them (issues 10, 17).

The file is read through core.documents (bounded zip, no DTD). Paragraphs are numbered from 1 in
document order, paragraphs inside tables counted too (python-docx's `Document.paragraphs` index + 1
when the file has no table before them).

What is read:
- questions start with `Câu N.`/`Câu N:`/`Bài N`/`Question N`, or `N.`/`N:` with text after it when
  the file has no `Câu`; level tags `[NB] [TH] [VD] [VDC]` and `[TF]` after the label;
  `PHẦN I/II/III` starts a part (numbers restart); `HẾT` ends the questions; a file with no numbers at
  all is read as blocks separated by empty paragraphs (stem, then one option per paragraph);
- Word's automatic numbering is resolved through numbering.xml (abstract numbering, level, numFmt,
  lvlText, start, level overrides; lists sharing an abstract numbering continue unless restarted)
  to the label Word shows; bullets are options without letters, taken in order;
- options `A.`–`H.` (or `a.`, `A)`), on their own paragraphs or several in one split by tabs or
  runs of spaces, `B.Thiếu` without a space; letters as the teacher wrote them (A, C, B, D stays so),
  unless they repeat (typed labels mixed with Word's numbering): then by position, with a note;
- answer marks: underline and red (any red shade, theme reds by their colour value) on the label or
  the text; `*` before the label or glued to the text; a bold label or option when the other options
  are not bold; ✅ ✓ ✔; an `x` in a table row; a `Đáp án: X` or `ANSWER: X` line (`a-Đ, b-S, …` for
  a true/false group, the value for a short answer); an answer table at the end (`1-A`, `1.A`, `1A`,
  `1a-Đ`; in paragraphs after `ĐÁP ÁN` or in a table). Marks on the question label are not answers;
- statements `a)`–`d)` under `[TF]`, in PHẦN II, or answered `a-Đ …` make a true/false group;
- explanations: paragraphs starting with `>` or after `Lời giải`/`Hướng dẫn giải`; LaTeX typed as
  text stays as typed; Word equations (OMML) become LaTeX between `\\( \\)` (omml.py);
- pictures (DrawingML `a:blip`, VML `v:imagedata`) stand in the text as IMAGE_TOKEN; `parse`
  returns their bytes in `result.pictures`, and the questions service stores them (lms/files)
  and writes the `![](file:ID)` marker the question pages render as an image;
- numbering that numbering.xml does not define is an error naming its paragraph (its label cannot
  be told); a `PHẦN …` heading announcing “(N câu)” that does not match the part is a warning.

A question whose answer cannot be told (no mark; marks that disagree; two options marked in a
single-choice question) is returned with `unresolved` set ({reason, choices, paragraph, context})
and `data["correct"]` None, so that the preview lets the teacher pick; it is not an error.
`answer_mark` says which mark decided each answer.
"""

import re
from dataclasses import dataclass, field

from ...core.documents import ImportLimits, open_zip, parse_xml, read_member
from ...core.errors import DomainError, _
from ...core.text import nfc
from .. import types
from . import ParsedQuestion, ParseProblem, ParseResult, omml

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
V = "{urn:schemas-microsoft-com:vml}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
IMAGE_TOKEN = "![](word-image:%d)"  # where a picture stood; services store it and write its marker
IMAGE_TOKEN_RE = re.compile(r"!\[\]\(word-image:(\d+)\)")

_QUESTION = re.compile(r"^(?:Câu|CÂU|câu|Bài|BÀI|Question|QUESTION)\s*(\d{1,4})\s*(?:[.:)]\s*)?(.*)$", re.S)
_NUMBERED = re.compile(r"^(\d{1,4})\s*[.:)]\s*(\S.*)$", re.S)
_PART = re.compile(r"^PHẦN\s+(I{1,3}|IV|V|\d)\b", re.I)
_PART_COUNT = re.compile(r"(\d{1,3})\s*câu\b", re.I)
_END = re.compile(r"^[-–—.\s]*HẾT[-–—.\s]*$", re.I)
_KEY_HEADING = re.compile(r"^(?:BẢNG\s+)?ĐÁP\s+ÁN(?:\s+(?:VÀ\s+)?(?:HƯỚNG\s+DẪN|ĐỀ|THAM\s+KHẢO|CHI\s+TIẾT|PHẦN|"
                          r"TRẮC\s+NGHIỆM)\b.*)?\s*:?$", re.I)
_ANSWER_LINE = re.compile(r"^(?:Đáp\s*án(?:\s*đúng)?|ĐÁP\s*ÁN(?:\s*ĐÚNG)?|ANSWER|Answer|ĐA)\s*[:.]\s*(.+)$", re.S)
_SOLUTION = re.compile(r"^(?:Lời\s+giải|LỜI\s+GIẢI|Hướng\s+dẫn\s+giải|HƯỚNG\s+DẪN\s+GIẢI|Giải)\s*[:.]?\s*(.*)$", re.S)
_OPTION = re.compile(r"^\s*(\*?)\s*([A-Ha-h])\s*([.)])\s*")
_TABLE_OPTION = re.compile(r"^\s*(\*?)\s*([A-Ha-h])\s*([.)]|\t)\s*")
_INLINE = re.compile(r"(?:\t|\s{2,})[\s]*(\*?)\s*([A-Ha-h])\s*([.)])(?=\s|\S)")
_TAGS = re.compile(r"\[(NB|TH|VD|VDC|TF)\]", re.I)
_CHECKS = "✅✓✔"
_TF_VALUE = {"đ": True, "đúng": True, "d": True, "true": True, "t": True, "s": False, "sai": False,
             "false": False, "f": False}
_TF_PAIR = re.compile(r"([a-d])\s*[-:.)]?\s*(đúng|sai|đ|s|d)\b", re.I)
_KEY_TOKEN = re.compile(r"(\d{1,4})\s*([a-d])?\s*[-.:)]?\s*(đúng|sai|[A-HĐS])(?![\w])", re.I)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
MARK_NAMES = ("underline", "red", "star", "bold", "check", "x", "answer_line", "answer_table")


# --------------------------------------------------------------------------- reading the document


@dataclass
class Seg:
    text: str
    bold: bool = False
    underline: bool = False
    red: bool = False


@dataclass
class Unit:
    number: int  # 1-based paragraph number
    segs: list
    label: str = ""  # the label Word's numbering shows ("a.", "1.") or "" ; "•" for a bullet
    xmark: bool = False  # a table row with an `x` cell
    in_table: bool = False
    unread_numbering: str | None = None  # the numId of Word numbering that numbering.xml does not define

    @property
    def text(self):
        return "".join(s.text for s in self.segs)


def _on(element, name):
    found = element.find(W + name) if element is not None else None
    if found is None:
        return False
    return found.get(W + "val", "true").lower() not in ("0", "false", "none", "off")


def is_red(hex_value):
    """Any red shade: FF0000, C00000, theme reds (C0504D, E74C3C, …): red clearly above green and blue."""
    if not hex_value or not re.fullmatch(r"[0-9A-Fa-f]{6}", hex_value):
        return False
    r, g, b = (int(hex_value[i:i + 2], 16) for i in (0, 2, 4))
    return r >= 0x99 and r - max(g, b) >= 0x60 and abs(g - b) <= 0x50


def _run_props(run):
    props = run.find(W + "rPr")
    if props is None:
        return False, False, False
    color = props.find(W + "color")
    underline = props.find(W + "u")
    return (_on(props, "b"),
            underline is not None and underline.get(W + "val", "single") not in ("none", "0"),
            color is not None and is_red(color.get(W + "val")))


def _math_seg(element):
    """A Word equation as LaTeX between \\( \\) (omml.py); red or underlined when its runs are."""
    latex = omml.to_latex(element)
    if not latex:
        return None
    runs = [_run_props(run) for run in element.iter(M + "r")]
    marked = [r for r in runs if any(r)]
    return Seg("\\(" + latex + "\\)", bool(marked) and all(r[0] for r in runs),
               any(r[1] for r in runs), any(r[2] for r in runs))


def _paragraph_segs(paragraph, pictures=None):
    """The paragraph's text as segments with their formatting. Equations become LaTeX; a picture
    becomes IMAGE_TOKEN % its index in `pictures` ([relationship id], filled here)."""
    segs = []

    def picture(rel_id):
        if pictures is None:
            return
        pictures.append(rel_id or "")
        segs.append(Seg(" " + IMAGE_TOKEN % (len(pictures) - 1) + " "))

    def walk(element):
        for child in element:
            tag = child.tag
            if tag == W + "r":
                bold, underline, red = _run_props(child)
                parts = []
                for part in child:
                    if part.tag == W + "t":
                        parts.append(part.text or "")
                    elif part.tag == W + "tab":
                        parts.append("\t")
                    elif part.tag in (W + "br", W + "cr"):
                        parts.append("\n")
                if parts:
                    segs.append(Seg("".join(parts), bold, underline, red))
                walk(child)  # pictures, text boxes
            elif tag in (M + "oMath", M + "oMathPara"):
                seg = _math_seg(child)
                if seg is not None:
                    segs.append(seg)
            elif tag == A + "blip":
                picture(child.get(R + "embed") or child.get(R + "link"))
            elif tag == V + "imagedata":
                picture(child.get(R + "id"))
            elif tag == W + "delText" or tag == W + "del":
                continue
            else:
                walk(child)
    walk(paragraph)
    return segs


class Numbering:
    """Word's automatic numbering (numbering.xml), resolved to the label Word shows."""

    def __init__(self, root):
        self.abstract, self.nums = {}, {}
        if root is None:
            return
        for abstract in root.findall(W + "abstractNum"):
            self.abstract[abstract.get(W + "abstractNumId")] = self._levels(abstract)
        for num in root.findall(W + "num"):
            ref = num.find(W + "abstractNumId")
            overrides = {}
            for override in num.findall(W + "lvlOverride"):
                level = int(override.get(W + "ilvl", "0"))
                start = override.find(W + "startOverride")
                lvl = override.find(W + "lvl")
                overrides[level] = (int(start.get(W + "val")) if start is not None else None,
                                    self._level(lvl) if lvl is not None else None)
            self.nums[num.get(W + "numId")] = (ref.get(W + "val") if ref is not None else None, overrides)
        self.counters = {}

    @staticmethod
    def _level(lvl):
        def val(name, default):
            found = lvl.find(W + name)
            return found.get(W + "val", default) if found is not None else default
        return {"start": int(val("start", "1") or 1), "fmt": val("numFmt", "decimal"), "text": val("lvlText", "%1.")}

    def _levels(self, abstract):
        return {int(lvl.get(W + "ilvl", "0")): self._level(lvl) for lvl in abstract.findall(W + "lvl")}

    def defines(self, num_id, ilvl):
        """Whether numbering.xml defines this list and level (else Word's label cannot be told)."""
        if num_id not in self.nums:
            return False
        abstract_id, overrides = self.nums[num_id]
        return ilvl in self.abstract.get(abstract_id, {}) or (overrides.get(ilvl, (None, None))[1] is not None)

    def label(self, num_id, ilvl):
        if num_id not in self.nums or num_id == "0":
            return ""
        abstract_id, overrides = self.nums[num_id]
        levels = dict(self.abstract.get(abstract_id, {}))
        for level, (_start, lvl) in overrides.items():
            if lvl is not None:
                levels[level] = lvl
        if ilvl not in levels:
            return ""
        # Lists that share an abstract numbering continue one another, unless this one restarts.
        key = ("num", num_id) if overrides else ("abstract", abstract_id)
        counters = self.counters.setdefault(key, {})
        start = overrides.get(ilvl, (None, None))[0]
        if ilvl not in counters:
            counters[ilvl] = (start if start is not None else levels[ilvl]["start"])
        else:
            counters[ilvl] += 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        level = levels[ilvl]
        if level["fmt"] == "bullet":
            return "•"

        def shown(match):
            index = int(match.group(1)) - 1
            lvl = levels.get(index, level)
            return _format_number(counters.get(index, lvl["start"]), lvl["fmt"])
        return re.sub(r"%(\d)", shown, level["text"])


def _format_number(n, fmt):
    if fmt in ("lowerLetter", "upperLetter"):
        text = ""
        while n > 0:
            n, rest = divmod(n - 1, 26)
            text = chr(ord("a") + rest) + text
        return text.upper() if fmt == "upperLetter" else text
    if fmt in ("lowerRoman", "upperRoman"):
        text = _roman(n)
        return text.lower() if fmt == "lowerRoman" else text
    return str(n)


def _roman(n):
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


@dataclass
class Picture:
    """A picture of the file: its name in the package, its bytes (None when the file only links to
    it or it is missing) and the paragraph it stands in."""

    name: str
    data: bytes | None
    paragraph: int


def _relationships(archive, limits):
    name = "word/_rels/document.xml.rels"
    if name not in archive.namelist():
        return {}
    root = parse_xml(read_member(archive, name, limits), limits, name)
    found = {}
    for rel in root.iter(REL + "Relationship"):
        target = rel.get("Target") or ""
        external = (rel.get("TargetMode") or "").lower() == "external"
        member = target.lstrip("/") if target.startswith("/") else "word/" + target
        found[rel.get("Id")] = (None if external else member, target)
    return found


def read_units(data, limits=None, pictures=None):
    """The paragraphs of a Word file, in order, with Word's numbering labels resolved. When
    `pictures` (a dict) is given, it receives each picture's Picture by its token index."""
    limits = limits or ImportLimits.from_config()
    rel_ids = []
    with open_zip(data, limits) as archive:
        document = parse_xml(read_member(archive, "word/document.xml", limits), limits, "word/document.xml")
        numbering_root = None
        if "word/numbering.xml" in archive.namelist():
            numbering_root = parse_xml(read_member(archive, "word/numbering.xml", limits), limits,
                                       "word/numbering.xml")
        paragraphs = []
        units = _read_body(document, Numbering(numbering_root), rel_ids if pictures is not None else None,
                           paragraphs)
        if pictures is not None and rel_ids:
            relationships = _relationships(archive, limits)
            members = set(archive.namelist())
            for index, (rel_id, paragraph) in enumerate(zip(rel_ids, paragraphs, strict=True)):
                member, target = relationships.get(rel_id, (None, rel_id))
                content = read_member(archive, member, limits) if member in members else None
                pictures[index] = Picture((target or "").rsplit("/", 1)[-1] or "hinh", content, paragraph)
    return units


def _read_body(document, numbering, rel_ids, paragraphs):
    """The units of the body; each picture's relationship id is appended to `rel_ids` (None: not
    wanted) and its paragraph number to `paragraphs`."""
    body = document.find(W + "body")
    units, counter = [], [0]

    def paragraph_unit(paragraph, in_table=False):
        counter[0] += 1
        num = paragraph.find(f"{W}pPr/{W}numPr")
        label, unread = "", None
        if num is not None:
            num_id, ilvl = num.find(W + "numId"), num.find(W + "ilvl")
            if num_id is not None:
                num_value = num_id.get(W + "val")
                label = numbering.label(num_value, int(ilvl.get(W + "val", "0")) if ilvl is not None else 0)
                level = int(ilvl.get(W + "val", "0")) if ilvl is not None else 0
                if not label and num_value not in (None, "0") and not numbering.defines(num_value, level):
                    unread = num_value
        before = len(rel_ids) if rel_ids is not None else 0
        segs = _paragraph_segs(paragraph, rel_ids)
        if rel_ids is not None:
            paragraphs.extend([counter[0]] * (len(rel_ids) - before))
        return Unit(counter[0], segs, label, in_table=in_table, unread_numbering=unread)

    def walk(container):
        for child in container:
            if child.tag == W + "p":
                units.append(paragraph_unit(child))
            elif child.tag == W + "tbl":
                for row in child.iter(W + "tr"):
                    cells = []
                    for cell in row.findall(W + "tc"):
                        cells.append([paragraph_unit(p, True) for p in cell.iter(W + "p")])
                    units.extend(_row_units(cells))
            elif child.tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    walk(content)

    if body is not None:
        walk(body)
    return units


def _row_units(cells):
    """A table row as one unit: its cells joined by tabs; an `x` (or ✓) cell marks the row."""
    xmark, parts = False, []
    for cell in cells:
        text = "".join(u.text for u in cell).strip()
        if text.lower() in ("x", "✓", "✔", "✅"):
            xmark = True
        elif text:
            parts.append(cell)
    if not parts:
        return []
    segs = []
    for index, cell in enumerate(parts):
        if index:
            segs.append(Seg("\t"))
        for position, unit in enumerate(cell):
            if position:
                segs.append(Seg("\n"))
            if unit.label and unit.label != "•":
                segs.append(Seg(unit.label + " "))
            segs.extend(unit.segs)
    return [Unit(parts[0][0].number, segs, xmark=xmark, in_table=True)]


# --------------------------------------------------------------------------- options and marks


@dataclass
class Option:
    label: str | None  # the letter as written (upper case), None for a bullet or an unlabelled line
    segs: list
    number: int
    star: bool = False
    label_bold: bool = False
    label_underline: bool = False
    label_red: bool = False
    xmark: bool = False
    lower: bool = False  # written a) b) … rather than A. B. …

    @property
    def text(self):
        return "".join(s.text for s in self.segs)


def _slice(segs, start, end):
    out, position = [], 0
    for seg in segs:
        a, b = position, position + len(seg.text)
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            out.append(Seg(seg.text[lo - a:hi - a], seg.bold, seg.underline, seg.red))
        position = b
    return out


def _has(segs, attribute):
    return any(getattr(s, attribute) and s.text.strip(" \t*.:)") for s in segs)


def split_options(unit):
    """The options in one paragraph: Word's label first (if any), then typed labels after tabs or
    runs of spaces. Returns [Option] or [] when the paragraph is not an option line."""
    text = unit.text
    first = (_TABLE_OPTION if unit.in_table else _OPTION).match(text)
    options = []
    if unit.label and unit.label != "•":
        label = unit.label.rstrip(".)").strip()
        if not re.fullmatch(r"[A-Ha-h]", label):
            return []
        starts = [(0, 0, label, False)]
    elif unit.label == "•":
        starts = [(0, 0, None, False)]
    elif first:
        starts = [(first.start(), first.end(), first.group(2), bool(first.group(1)))]
    else:
        return []
    search_from = starts[0][1]
    for match in _INLINE.finditer(text, search_from):
        starts.append((match.start(), match.end(), match.group(2), bool(match.group(1))))
    for index, (begin, body_start, label, star) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        label_segs = _slice(unit.segs, begin, body_start)
        body = _slice(unit.segs, body_start, end)
        options.append(Option(label.upper() if label else None, body, unit.number, star,
                              _has(label_segs, "bold"), _has(label_segs, "underline"), _has(label_segs, "red"),
                              unit.xmark, bool(label and label.islower())))
    return options


def _clean_option(option):
    """(text, marks) of an option: stars, check marks and the formatting that marks an answer."""
    text = option.text.strip()
    marks = set()
    if option.star or text.startswith("*"):
        marks.add("star")
        text = text.lstrip("*").strip()
    if any(c in text for c in _CHECKS):
        marks.add("check")
        text = "".join(c for c in text if c not in _CHECKS).strip()
    if option.label_underline or _has(option.segs, "underline"):
        marks.add("underline")
    if option.label_red or _has(option.segs, "red"):
        marks.add("red")
    if option.xmark:
        marks.add("x")
    bold = option.label_bold or _has(option.segs, "bold")
    return nfc(" ".join(text.split())), marks, bold


# --------------------------------------------------------------------------- questions


@dataclass
class Draft:
    number: int | None
    part: int
    start: int  # paragraph number
    stem: list = field(default_factory=list)
    options: list = field(default_factory=list)
    explanation: list = field(default_factory=list)
    answer_line: str | None = None
    answer_line_at: int | None = None
    in_solution: bool = False
    extra: list = field(default_factory=list)


def parse(data, filename=""):
    """Raises core.documents' errors for a file that is not a .docx, is broken, unsafe or too big.
    Pictures stand in the questions' text as IMAGE_TOKEN; `result.pictures` holds their bytes."""
    pictures = {}
    units = read_units(data, pictures=pictures)
    result = parse_units(units)
    result.pictures = pictures
    return result


def parse_units(units):
    result = ParseResult()
    texts = {u.number: _unit_text(u) for u in units}
    numbered = any(_QUESTION.match(texts[u.number]) for u in units)
    plain_numbers = not numbered and sum(1 for u in units if _NUMBERED.match(texts[u.number].strip())) >= 2
    drafts, key, part = [], {}, 1
    announced = {}  # part -> (questions its heading announces, paragraph, heading)
    current = None
    ended = key_mode = False
    block_mode = not numbered and not plain_numbers
    for unit in units:
        text = texts[unit.number]
        stripped = text.strip()
        if unit.unread_numbering and stripped and not (key_mode or ended):
            result.errors.append(ParseProblem(unit.number, _(
                "Đoạn %(para)s: đoạn này dùng đánh số tự động của Word (danh sách số %(num)s) mà tệp không định "
                "nghĩa, nên không biết Word hiện số hay chữ gì trước “%(text)s”. Hãy gõ nhãn (Câu 1., A., B., …) "
                "vào đoạn này hoặc đặt lại đánh số trong Word rồi tải lên lại.", para=unit.number,
                num=unit.unread_numbering, text=stripped[:60])))
        if key_mode or ended:
            _read_key(stripped, key, part)
            if _PART.match(stripped):
                part = _ROMAN.get(_PART.match(stripped).group(1).upper(), part)
            continue
        if not stripped:
            if block_mode and current is not None and (current.options or current.explanation):
                drafts.append(current)
                current = None
            continue
        if _END.match(stripped):
            ended = True
            continue
        if _KEY_HEADING.match(stripped) and not _ANSWER_LINE.match(stripped):
            key_mode = True
            continue
        part_match = _PART.match(stripped)
        if part_match:
            if current is not None:
                drafts.append(current)
                current = None
            part = _ROMAN.get(part_match.group(1).upper(), part + 1)
            count = _PART_COUNT.search(stripped)
            if count:
                announced[part] = (int(count.group(1)), unit.number, stripped[:80])
            continue
        start = _QUESTION.match(stripped) if numbered else (
            _NUMBERED.match(stripped) if plain_numbers else None)
        if start:
            if current is not None:
                drafts.append(current)
            current = Draft(int(start.group(1)), part, unit.number)
            lead = len(text) - len(text.lstrip())
            current.stem.append([Seg(start.group(2))] if unit.label else
                                _slice(unit.segs, lead + start.start(2), len(text)))
            continue
        if current is None:
            if block_mode:
                current = Draft(None, part, unit.number)
                current.stem.append(unit.segs)
            continue
        answer = _ANSWER_LINE.match(stripped)
        if answer and not current.in_solution:
            current.answer_line, current.answer_line_at = answer.group(1).strip(), unit.number
            continue
        solution = _SOLUTION.match(stripped)
        if solution and (solution.group(1) == "" or stripped.split()[0] in ("Lời", "LỜI", "Hướng", "HƯỚNG")):
            current.in_solution = True
            if solution.group(1).strip():
                current.explanation.append(solution.group(1).strip())
            continue
        if stripped.startswith(">"):
            current.explanation.append(stripped.lstrip(">").strip())
            continue
        if current.in_solution:
            current.explanation.append(stripped)
            continue
        options = split_options(unit)
        if options:
            current.options.extend(options)
            continue
        if block_mode:
            current.options.append(Option(None, unit.segs, unit.number, xmark=unit.xmark))
        elif current.options:
            current.extra.append(unit.number)
            current.options[-1].segs = current.options[-1].segs + [Seg(" ")] + unit.segs
        else:
            current.stem.append([Seg("\n")] + unit.segs)
    if current is not None:
        drafts.append(current)
    for part_number, (count, paragraph, heading) in sorted(announced.items()):
        found = sum(1 for d in drafts if d.part == part_number)
        if found != count:
            result.warnings.append(ParseProblem(paragraph, _(
                "Đoạn %(para)s: “%(heading)s” ghi %(announced)s câu nhưng phần này đọc được %(found)s câu; hãy kiểm "
                "tra xem có câu nào bị gộp, bị tách hay thiếu số “Câu”.", para=paragraph, heading=heading,
                announced=count, found=found)))
    for draft in drafts:
        if block_mode and not draft.options and not draft.explanation:
            result.warnings.append(ParseProblem(draft.start, _(
                "Đoạn %(para)s: không phải câu hỏi (không có phương án), đã bỏ qua.", para=draft.start)))
            continue
        _finish(draft, key, texts, result)
    return result


def _unit_text(unit):
    if unit.label and unit.label != "•":
        return unit.label + " " + unit.text
    return unit.text


def _read_key(text, key, part):
    """Entries of an answer table in `text` (`1-A 2.B 3C`, `1a-Đ`), into key[(part, n)]."""
    for number, statement, value in _KEY_TOKEN.findall(text):
        entry = key.setdefault(int(number), {})
        if statement:
            verdict = _TF_VALUE.get(value.lower())
            if verdict is not None:
                entry.setdefault("tf", {})[statement.lower()] = verdict
        elif value.upper() in "ABCDEFGH" and len(value) == 1:
            entry.setdefault("letters", []).append(value.upper())


def _stem_text(draft):
    text = "".join(s.text for segs in draft.stem for s in segs)
    return nfc("\n".join(" ".join(line.split()) for line in text.split("\n")).strip())


def _context(draft, texts):
    around = [texts.get(n, "").strip() for n in range(draft.start - 1, draft.start + 8)]
    return " / ".join(t for t in around if t)[:400]


def _finish(draft, key, texts, result):
    stem = _stem_text(draft)
    tags = [t.upper() for t in _TAGS.findall(stem)]
    stem = " ".join(_TAGS.sub("", stem).split(" ")).strip()
    stem = re.sub(r"^[.:)]\s*", "", stem).strip()
    level = next((types.LEVEL_TAGS[t] for t in tags if t in types.LEVEL_TAGS), None)
    question = ParsedQuestion("", stem, {}, draft.start, explanation=nfc("\n".join(draft.explanation).strip()),
                              level=level, name=f"Câu {draft.number}" if draft.number else "")
    if not stem:
        result.errors.append(ParseProblem(draft.start, _("Đoạn %(para)s: câu hỏi không có nội dung.",
                                                         para=draft.start)))
        return
    entry = key.get(draft.number, {}) if draft.number else {}
    answer_line = (draft.answer_line or "").strip()
    statements = _statements(draft, tags, answer_line)
    if statements is not None:
        _true_false_group(question, statements, answer_line, entry, draft, texts, result)
        return
    if not draft.options:
        if answer_line:
            _finish_typed(question, "short_answer", {"answers": [{"text": answer_line, "weight": 100}]}, result)
            question.answer_mark = "answer_line"
        else:
            _finish_typed(question, "essay", {}, result)
        return
    _choice(question, draft, answer_line, entry, texts, result)


def _finish_typed(question, qtype, data, result):
    try:
        question.data = types.get(qtype).validate(data)
    except DomainError as error:
        detail = "; ".join(f"{k}: {v}" for k, v in error.details.items())
        result.errors.append(ParseProblem(question.line, _("Đoạn %(para)s: %(problem)s (%(details)s)",
                                                           para=question.line, problem=error.message,
                                                           details=detail)))
        return False
    question.qtype = qtype
    result.questions.append(question)
    return True


def _statements(draft, tags, answer_line):
    """The a)–d) statements of a true/false group, or None when the question is not one."""
    labelled = [o for o in draft.options if o.label]
    if len(labelled) != 4 or [o.label for o in labelled] != ["A", "B", "C", "D"]:
        return None
    lower = all(o.lower for o in labelled)
    answered_tf = bool(_TF_PAIR.search(answer_line)) and not re.fullmatch(r"[A-Ha-h]", answer_line)
    if "TF" in tags or answered_tf or (draft.part == 2 and lower):
        return labelled
    return None


def _true_false_group(question, statements, answer_line, entry, draft, texts, result):
    verdicts = {}
    source = None
    if answer_line:
        for letter, value in _TF_PAIR.findall(answer_line):
            verdicts[letter.lower()] = _TF_VALUE[value.lower()]
        source = "answer_line"
    if len(verdicts) < 4 and entry.get("tf"):
        verdicts = dict(entry["tf"])
        source = "answer_table"
    items = [{"id": "abcd"[i], "text": _clean_option(o)[0], "correct": verdicts.get("abcd"[i], False)}
             for i, o in enumerate(statements)]
    if len(verdicts) < 4:
        for item in items:
            item["correct"] = None
        data = {"statements": items}
        question.qtype, question.data = "true_false_group", data
        # Each way of answering the four statements, with the data it gives, for the preview to pick.
        resolutions = {}
        for mask in range(16):
            verdict = [bool(mask & (8 >> i)) for i in range(4)]
            label = ", ".join(f"{'abcd'[i]}-{'Đ' if v else 'S'}" for i, v in enumerate(verdict))
            resolutions[label] = {"statements": [dict(item, correct=v) for item, v in zip(items, verdict, strict=True)]}
        question.unresolved = {"reason": _("Không tìm thấy đáp án Đúng/Sai cho đủ 4 ý."),
                               "choices": list(resolutions), "resolutions": resolutions,
                               "paragraph": draft.start, "context": _context(draft, texts)}
        result.questions.append(question)
        return
    question.answer_mark = source
    _finish_typed(question, "true_false_group", {"statements": items}, result)


def _mark_label(mark):
    """The mark's name as the preview shows it."""
    return {"underline": _("gạch chân"), "red": _("chữ đỏ"), "star": _("dấu *"), "bold": _("chữ đậm"),
            "check": _("dấu ✓"), "x": _("dấu x trong bảng"), "answer_line": _("dòng “Đáp án:”"),
            "answer_table": _("bảng đáp án")}[mark]


def _choice(question, draft, answer_line, entry, texts, result):
    cleaned = [_clean_option(o) for o in draft.options]
    labels = [o.label for o in draft.options]
    if all(labels) and len(set(labels)) == len(labels):
        letters = labels
        if letters != sorted(letters):
            question.notes.append(_("Đoạn %(para)s: các phương án không theo thứ tự (%(labels)s); giữ nguyên chữ cái "
                                    "giáo viên đã viết.", para=draft.start, labels=", ".join(letters)))
    else:
        letters = [chr(ord("A") + i) for i in range(len(draft.options))]
        if any(labels):
            question.notes.append(_("Đoạn %(para)s: nhãn phương án bị lặp hoặc thiếu (%(labels)s, do đánh số tự động "
                                    "của Word); đã đặt lại A, B, C… theo thứ tự.", para=draft.options[0].number,
                                    labels=", ".join(label or "?" for label in labels)))
    if len(letters) < 2:
        result.errors.append(ParseProblem(draft.start, _("Đoạn %(para)s: câu hỏi chỉ có %(n)s phương án.",
                                                         para=draft.start, n=len(letters))))
        return
    if len(letters) != 4:
        question.notes.append(_("Đoạn %(para)s: câu hỏi có %(n)s phương án (thường là 4).", para=draft.start,
                                n=len(letters)))
    texts_seen = {}
    for option, letter, (text, _marks, _bold) in zip(draft.options, letters, cleaned, strict=True):
        if text in texts_seen:
            question.notes.append(_("Đoạn %(para)s: phương án %(a)s và %(b)s giống hệt nhau.", para=option.number,
                                    a=texts_seen[text], b=letter))
        texts_seen.setdefault(text, letter)
    options = [{"id": letter.lower(), "text": text} for letter, (text, _m, _b) in zip(letters, cleaned, strict=True)]
    by_mark = {}
    for letter, (_text, marks, _bold) in zip(letters, cleaned, strict=True):
        for mark in marks:
            by_mark.setdefault(mark, set()).add(letter)
    bold = {letter for letter, (_t, _m, is_bold) in zip(letters, cleaned, strict=True) if is_bold}
    if bold and len(bold) < len(letters):
        by_mark["bold"] = bold
    line_letters = None
    if answer_line:
        found = re.fullmatch(r"\s*([A-Ha-h](?:\s*[,;và ]\s*[A-Ha-h])*)\s*\.?\s*", answer_line)
        if found:
            line_letters = {c.upper() for c in re.findall(r"[A-Ha-h]", found.group(1))}
            by_mark["answer_line"] = line_letters
    if entry.get("letters"):
        by_mark["answer_table"] = set(entry["letters"])
    decided = {frozenset(v) for v in by_mark.values()}
    reason = None
    if not by_mark:
        reason = _("Không thấy dấu hiệu đáp án đúng (gạch chân, chữ đỏ, dấu *, chữ đậm, dòng “Đáp án:” …).")
    elif len(decided) > 1:
        reason = _("Các dấu hiệu đáp án không khớp nhau: %(marks)s.", marks="; ".join(
            f"{_mark_label(m)} → {', '.join(sorted(v))}" for m, v in sorted(by_mark.items())))
    else:
        chosen = next(iter(decided))
        multiple_by_line = set(by_mark) == {"answer_line"} and len(chosen) > 1
        if len(chosen) > 1 and not multiple_by_line:
            reason = _("Câu một đáp án nhưng có %(n)s phương án được đánh dấu (%(letters)s).", n=len(chosen),
                       letters=", ".join(sorted(chosen)))
    valid = _validated(options)
    if reason:
        question.qtype = "single_choice"
        question.data = {"options": valid or options, "correct": None}
        question.unresolved = {"reason": reason, "choices": [o["id"] for o in options], "paragraph": draft.start,
                               "context": _context(draft, texts),
                               "marks": {m: sorted(v) for m, v in sorted(by_mark.items())}}
        result.questions.append(question)
        return
    question.answer_mark = ", ".join(sorted(by_mark))
    question.notes.append(_("Đáp án đọc từ: %(marks)s.", marks=", ".join(_mark_label(m) for m in sorted(by_mark))))
    if len(chosen) > 1:
        share = round(100 / len(chosen), 5)
        data = {"options": [dict(o, weight=share if o["id"].upper() in chosen else 0) for o in options]}
        _finish_typed(question, "multiple_choice", data, result)
    else:
        _finish_typed(question, "single_choice", {"options": options, "correct": next(iter(chosen)).lower()}, result)


def _validated(options):
    try:
        return types.get("single_choice").validate({"options": options, "correct": options[0]["id"]})["options"]
    except DomainError:
        return None

