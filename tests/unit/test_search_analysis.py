"""The Vietnamese analyzer (issue 12, point 1) with the inputs real keyboards send."""

import unicodedata

from lms.search import analysis

NFC = "Phân số và tam giác"


def folded(text):
    return set(analysis.terms(text)[0])


def accented(text):
    return set(analysis.terms(text)[1])


def test_nfd_text_gives_the_terms_of_nfc_text():
    nfd = unicodedata.normalize("NFD", NFC)
    assert nfd != NFC
    assert analysis.terms(nfd) == analysis.terms(NFC)


def test_the_windows_mixed_form_gives_the_terms_of_nfc_text():
    # Windows' Vietnamese keyboard (and Unikey's "VNI Windows"/"CP 1258" modes) types the base
    # letter with its shape precomposed and the tone as a combining mark: ê + U+0301 for ế.
    mixed = "Ti\u00ea\u0301ng Vi\u00ea\u0323t"  # "Tiếng Việt"
    assert unicodedata.normalize("NFC", mixed) == "Tiếng Việt" and mixed != "Tiếng Việt"
    assert analysis.terms(mixed) == analysis.terms("Tiếng Việt")
    assert {"tieng", "viet", "tieng viet"} <= folded(mixed)
    assert {"tiếng", "việt"} <= accented(mixed)


def test_d_with_stroke_folds_to_d_in_both_cases():
    assert {"duong", "dinh", "duong dinh"} <= folded("ĐƯỜNG Đinh")
    assert {"đường", "đinh"} <= accented("ĐƯỜNG Đinh")
    assert analysis.fold("đđ") == "dd"


def test_horn_letters_fold_to_their_base():
    assert folded("ư ơ Ư Ơ") == {"u", "o", "u o", "o u"}
    assert {"thuong", "nuoc", "thuong nuoc"} == {t for t in folded("Thương nước")}


def test_letters_with_two_marks():
    # ệ (circumflex + dot below), ặ (breve + dot below), ổ (circumflex + hook above)
    assert folded("ệ ặ ổ") == {"e", "a", "o", "e a", "a o"}
    assert {"ệ", "ặ", "ổ"} <= accented("Ệ Ặ Ổ")
    assert analysis.QueryTerms("NGHỆ THUẬT ỔN ĐỊNH").syllables == ["nghe", "thuat", "on", "dinh"]


def test_case_and_accents_do_not_matter_for_the_folded_terms():
    variants = ["phân số", "Phân Số", "PHÂN SỐ", "phan so", "PHAN SO"]
    assert {tuple(analysis.QueryTerms(v).syllables) for v in variants} == {("phan", "so")}
    assert {tuple(analysis.QueryTerms(v).bigrams) for v in variants} == {("phan so",)}


def test_the_accented_form_is_kept_only_where_folding_changes_it():
    query = analysis.QueryTerms("phân so")
    assert query.accented == ["phân"]
    assert analysis.QueryTerms("phan so").accented == []


def test_old_and_new_tone_placement_are_one_term():
    assert analysis.terms("hoà thuỷ khoẻ") == analysis.terms("hòa thủy khỏe")


def test_bigrams_stop_at_punctuation():
    terms = folded("Số. Phân, chia")
    assert "so phan" not in terms and "phan chia" not in terms
    assert {"so", "phan", "chia"} <= terms


def test_counts_and_weights():
    fold_terms, accent_terms = analysis.terms("phân số, phân số")
    assert fold_terms["phan"] == 2 and fold_terms["phan so"] == 2
    assert accent_terms["phân"] == 2 and "phân số" not in accent_terms  # bigrams: folded only
