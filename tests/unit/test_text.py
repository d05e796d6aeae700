import unicodedata

from lms.core.text import clean_line, fold, nfc, nfc_deep


def test_fold_strips_diacritics_including_d_bar():
    assert fold("Đường tròn") == "duong tron"
    assert fold("PHÂN SỐ") == "phan so"
    assert fold(unicodedata.normalize("NFD", "Hoạt động trải nghiệm")) == "hoat dong trai nghiem"


def test_nfc_everywhere():
    nfd = unicodedata.normalize("NFD", "Tiếng Việt")
    assert nfd != "Tiếng Việt"
    assert nfc(nfd) == "Tiếng Việt"
    assert nfc_deep({nfd: [nfd, 1, {"k": nfd}]}) == {"Tiếng Việt": ["Tiếng Việt", 1, {"k": "Tiếng Việt"}]}
    assert clean_line("  Lê   Văn\tAn ") == "Lê Văn An"


def test_nfc_guard_on_flush(app):
    from lms.extensions import db
    from lms.schools.models import School
    from lms.schools.services import ensure_office

    school = School(code="NFD01", name=unicodedata.normalize("NFD", "Trường Đông Hòa"), office=ensure_office())
    db.session.add(school)
    db.session.flush()
    assert school.name == unicodedata.normalize("NFC", "Trường Đông Hòa")
