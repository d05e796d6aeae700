"""Import and export of question files: GIFT, Aiken, Moodle XML and Vietnamese Word (.docx).

Every importer parses the WHOLE file first and returns a ParseResult: each question as understood
(already validated by its type in lms/questions/types.py) and every problem with its line (or, for
Word, paragraph) number. Nothing here touches the database: the questions service writes a file's
questions only when there is no error, in one transaction.
"""

import importlib
from dataclasses import dataclass, field

FORMATS = ("gift", "aiken", "moodle_xml", "docx")


@dataclass
class ParsedQuestion:
    qtype: str  # a key of types.TYPES
    stem: str  # the question text (plain text with LaTeX kept as typed; may hold simple HTML from XML)
    data: dict  # validated by types.get(qtype).validate
    line: int  # 1-based line (text formats) or paragraph number (docx) where the question starts
    explanation: str = ""  # lời giải / general feedback
    level: str | None = None  # a key of types.LEVELS (nhan_biet, thong_hieu, van_dung, van_dung_cao)
    name: str = ""  # GIFT ::name::, XML <name>
    tags: list = field(default_factory=list)
    category: str = ""  # GIFT $CATEGORY / XML category path / Word section: mapped to a topic later
    notes: list = field(default_factory=list)  # things the teacher should see in the preview
    # Word only: answers the importer could not tell; the preview lets the teacher pick them.
    unresolved: dict | None = None  # e.g. {"reason": "...", "choices": ["A", "B", ...], "context": "..."}
    idnumber: str = ""  # GIFT [id:…] / XML <idnumber>: the author's own id, kept for export
    # Word only: which mark(s) decided the answer ("red", "underline", "star", "bold", "check", "x",
    # "answer_line", "answer_table"; comma-separated when several agree), for the preview.
    answer_mark: str = ""


@dataclass
class ParseProblem:
    line: int | None
    message: str  # in the user's language (core.errors._)


@dataclass
class ParseResult:
    questions: list = field(default_factory=list)  # [ParsedQuestion]
    errors: list = field(default_factory=list)  # [ParseProblem]: any error means nothing is written
    warnings: list = field(default_factory=list)  # [ParseProblem]: shown, not blocking
    # Word only: {index: docx.Picture} for the IMAGE_TOKEN ("![](word-image:N)") in the questions'
    # text; the questions service stores each through lms/files and writes its `![](file:ID)` marker.
    pictures: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.errors


class UnknownFormat(ValueError):
    pass


def _module(fmt):
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    return importlib.import_module(f"{__name__}.{fmt}")


def parse(fmt, data, filename=""):
    """The ParseResult of a question file (`data`: bytes) in `fmt`, one of FORMATS.
    Raises UnknownFormat for another name; a broken or unsafe .docx/XML file raises the DomainError
    of core.documents (415/422), everything else about the content is in the result."""
    return _module(fmt).parse(data, filename)


def export(fmt, questions):
    """The bytes of a file in `fmt` ("gift", "moodle_xml" or "aiken") holding `questions`: dicts
    {qtype, stem, data, explanation, level, name, tags, category} (and optionally id, idnumber).
    Types a format cannot express are left out (Aiken: single choice only; GIFT: no true/false groups)."""
    if fmt == "docx":
        raise UnknownFormat(fmt)
    return _module(fmt).export(list(questions))
