"""Reading a text question file: the encodings teachers' files come in, and lines to parse."""

import codecs

from ...core.errors import _
from ...core.text import nfc

# Vietnamese letters that only a real Vietnamese text has: a legacy file decoded as Windows-1258
# shows them; one that is Latin-1/Windows-1252 rarely does.
_VI_HINT = set("ăâđêôơưĂÂĐÊÔƠƯ")


class EncodingProblem(ValueError):
    """The file is not in an encoding we read; `message` names the one it seems to be in."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def decode(data):
    """Text of a question file in UTF-8 (with or without BOM) or UTF-16 (with BOM), NFC-normalised,
    with Windows and old Mac line ends made plain. A legacy Windows encoding is refused with a
    message naming it, so the teacher knows to save the file again as UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise EncodingProblem(_("Tệp có dấu hiệu UTF-16 nhưng nội dung hỏng.")) from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise EncodingProblem(_legacy_message(data)) from None
    if "\x00" in text:
        raise EncodingProblem(_("Tệp không phải văn bản (có kí tự rỗng)."))
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n"))


def _legacy_message(data):
    try:
        sample = data.decode("cp1258")
    except UnicodeDecodeError:
        sample = ""
    encoding = "Windows-1258" if _VI_HINT & set(sample) else "Windows-1252 / ANSI"
    return _("Tệp không ở bảng mã UTF-8: có vẻ là %(encoding)s. Hãy lưu lại tệp với bảng mã UTF-8 "
             "(trong Notepad: Lưu thành… → Mã hóa: UTF-8).", encoding=encoding)
