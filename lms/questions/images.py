"""Pictures in questions: how the text refers to them, who may fetch them, how they are stored.

A picture is a StoredFile of the file pipeline (lms/files: its type sniffed from the bytes, only
its re-encoded copy kept) and the question's text refers to it by a marker, `![alt](file:ID)`,
in the stem, an option, a statement or the explanation. The marker, not HTML, is stored: text
stays plain (escaped when shown), and the pages turn each marker into an <img> whose URL names
the question (or the import) the picture belongs to, so the server can check it is shown where
the user may see it:

- /questions/<id>/images/<file id>: the file must be referred to by a version of that question
  the user may see; by its stem or what a student's browser receives (types.public: options,
  statements, matching items) for anyone who sees the question, by its answers or explanation
  only for those who see the answers (staff), so no URL leads a student to an answer;
- /questions/imports/<id>/images/<file id>: a picture of an import's preview, for those who may
  see the import.

A question may only refer to pictures it was given: uploaded with it (the form's image field),
stored by its import, or already in its previous version (`check_markers`); a typed marker that
names another file is refused, so nobody can show another question's answer picture through theirs.
"""

import json
import re

from markupsafe import Markup, escape

from ..core.errors import DomainError, _

MARKER = re.compile(r"!\[([^\]\n]{0,200})\]\(file:(\d{1,10})\)")


def marker(file_id, alt=""):
    return f"![{alt}](file:{int(file_id)})"


def ids_in(*texts):
    """The StoredFile ids the markers of these texts (strings, or data dicts) refer to."""
    found = set()
    for text in texts:
        if not isinstance(text, str):
            text = str(text)  # a dict's repr keeps the markers' characters as they are
        if text and "](file:" in text:
            found.update(int(m.group(2)) for m in MARKER.finditer(text))
    return found


def check_markers(stem, data, explanation, allowed, errors):
    """Refuse markers naming a picture the question was not given (`allowed`: StoredFile ids)."""
    for name, value in (("stem", stem), ("data", data), ("explanation", explanation)):
        stray = ids_in(value) - set(allowed or ())
        if stray:
            errors[name] = _("Hình %(ids)s không thuộc câu hỏi này: chỉ dùng hình tải lên cùng câu hỏi.",
                             ids=", ".join(f"file:{i}" for i in sorted(stray)))


def render(text, base=None):
    """The text as HTML: escaped, each marker an <img> under `base` (…/images/), or the words
    "[hình]" where no URL can be given (a list's one-line summary)."""
    text = text or ""
    out, position = [], 0
    for found in MARKER.finditer(text):
        out.append(escape(text[position:found.start()]))
        alt = found.group(1) or _("Hình minh hoạ")
        if base:
            out.append(Markup('<img class="question-image" src="{}{}" alt="{}" loading="lazy">').format(
                base, int(found.group(2)), alt))
        else:
            out.append(Markup("[{}]").format(_("hình")))
        position = found.end()
    out.append(escape(text[position:]))
    return Markup("").join(out)


# --- one line of a list ----------------------------------------------------------------------------

LIST_MAX = 200
# How a summary cut at SUMMARY_MAX inside a marker ends: the marker's beginning, then "…".
_DANGLING = re.compile(r"!\[[^\]\n]{0,200}(?:\](?:\((?:file:\d{0,10}|fil|fi|f)?)?)?…$")


def _line_parts(text, limit):
    """The text as one line of at most `limit` characters: [(is_picture, words)], each marker (and
    a marker cut off at the end of a stored summary) a picture part, runs of whitespace one space."""
    text = " ".join((text or "").split())
    tokens, position = [], 0
    for found in MARKER.finditer(text):
        tokens += [(False, text[position:found.start()]), (True, "")]
        position = found.end()
    rest = text[position:]
    dangling = _DANGLING.search(rest)
    if dangling:  # a summary cut inside a marker: the picture, then the cut
        tokens += [(False, rest[:dangling.start()]), (True, ""), (False, "…")]
    else:
        tokens.append((False, rest))
    label = "[" + _("hình") + "]"
    parts, length = [], 0
    for picture, words in tokens:
        words = label if picture else words
        if not words:
            continue
        if length + len(words) > limit:
            if not picture:
                parts.append((False, words[:max(limit - length - 1, 0)].rstrip() + "…"))
            else:
                parts.append((False, "…"))
            break
        parts.append((picture, words))
        length += len(words)
    return parts


def line(text, limit=LIST_MAX):
    """A stem as one line of plain text for a list, a queue or a notice: at most `limit`
    characters, each picture marker the word "[hình]" ("[picture]" in English), never the raw
    `![alt](file:ID)`. No query: the label is the same for every picture."""
    return "".join(words for _picture, words in _line_parts(text, limit))


def list_html(text, limit=LIST_MAX):
    """`line` as HTML for a list's row: escaped text, each picture a small muted label."""
    out = []
    for picture, words in _line_parts(text, limit):
        if picture:
            out.append(Markup('<span class="question-picture text-muted" title="{}">{}</span>').format(
                _("Câu hỏi có hình"), words))
        else:
            out.append(escape(words))
    return Markup("").join(out)


def stored_picture(file_id):
    """The StoredFile of a picture to send (its re-encoded copy, an image type), or None."""
    from ..extensions import db
    from ..files.models import StoredFile

    stored = db.session.get(StoredFile, file_id)
    return stored if stored is not None and stored.mime.startswith("image/") else None


def urls(make_url, *texts):
    """{file id (a string, as JSON keys are): URL} for the pictures these texts (strings or data
    dicts) refer to; `make_url(file_id)` names the route that checks who may fetch each."""
    return {str(file_id): make_url(file_id) for file_id in sorted(ids_in(*texts))}


def visible_to(file_id, stem, public, data, explanation, sees_answers):
    """Whether a version's picture may be sent: referred to by what the user sees of it."""
    if file_id in ids_in(stem, public):
        return True
    return sees_answers and file_id in ids_in(data, explanation)


# --- a Word file's pictures ---------------------------------------------------------------------

def store_pictures(questions, pictures, token_re, token):
    """Store through lms/files the pictures the parsed `questions` (preview dicts) refer to by
    `token` % index, and write their markers in place of the tokens. Returns (stored file ids,
    problems [{line, message}]): a picture that is not an image, cannot be decoded or is only
    linked is a problem naming its paragraph."""
    from ..files import services as files

    used = set()
    for item in questions:
        used.update(int(i) for i in token_re.findall(json.dumps(item, ensure_ascii=False)))
    replacements, problems, stored = {}, [], []
    for index in sorted(used):
        picture = pictures.get(index)
        paragraph = picture.paragraph if picture else None
        if picture is None or picture.data is None:
            problems.append({"line": paragraph, "message": _(
                "Đoạn %(para)s: hình “%(name)s” chỉ được liên kết tới tệp bên ngoài, không nằm trong tệp Word; hãy "
                "chèn hẳn hình vào tệp (Insert → Pictures) rồi tải lên lại.", para=paragraph,
                name=picture.name if picture else "?")})
            continue
        try:
            row = files.store_image(picture.data, picture.name)
        except files.NotAnImage as error:
            problems.append({"line": paragraph, "message": _(
                "Đoạn %(para)s: hình “%(name)s” không phải ảnh: nội dung là %(what)s. Chỉ nhận ảnh PNG, JPEG, GIF "
                "hoặc WebP; hình vẽ WMF/EMF hay công thức MathType hãy lưu thành ảnh PNG hoặc gõ lại bằng công "
                "thức của Word.", para=paragraph, name=picture.name, what=error.label)})
            continue
        except DomainError as error:
            problems.append({"line": paragraph, "message": _("Đoạn %(para)s: không đọc được hình “%(name)s”: "
                                                             "%(problem)s", para=paragraph, name=picture.name,
                                                             problem=error.message)})
            continue
        stored.append(row.id)
        replacements[token % index] = marker(row.id)
    if replacements:
        for item in questions:
            for name in ("stem", "explanation", "data", "unresolved"):
                value = item.get(name)
                if value is None:
                    continue
                dumped = json.dumps(value, ensure_ascii=False)
                if "word-image:" not in dumped:
                    continue
                for old, new in replacements.items():
                    dumped = dumped.replace(old, new)
                item[name] = json.loads(dumped)
    return sorted(set(stored)), problems
