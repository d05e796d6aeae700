"""A hand-in's text: typed in a plain text box it keeps its paragraphs and line breaks (escaped);
sent as HTML it is sanitised; either way NFC, and "only whitespace" is no text at all."""

from datetime import UTC, datetime

from lms.assignments.submissions import _clean_text, local_time


def test_plain_text_keeps_paragraphs_and_line_breaks_escaped():
    assert _clean_text("a < b\r\ndòng hai\n\n  đoạn hai ") == "<p>a &lt; b<br>dòng hai</p><p>đoạn hai</p>"


def test_html_is_sanitised_and_nfc():
    html = _clean_text('<p onclick="x()">Hoa\u0300 <script>alert(1)</script><a href="javascript:x">l</a></p>')
    assert html == '<p>Hoà <a rel="noopener nofollow">l</a></p>'
    assert _clean_text("<p>  </p><br>") == ""
    assert _clean_text("   ") == ""


def test_times_are_said_in_the_district_zone():
    assert local_time(datetime(2026, 12, 5, 14, 0, tzinfo=UTC)) == "21:00 ngày 05/12/2026"
    assert local_time(datetime(2026, 12, 5, 18, 30)) == "01:30 ngày 06/12/2026"  # SQLite's naive UTC
