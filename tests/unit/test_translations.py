"""Every UI string has an English translation.

The strings are extracted afresh from the source (not read from the committed messages.pot), so a
new `_("...")` fails here until `bin/update-translations` has merged it and someone translated it.
"""

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tools():
    return runpy.run_path(str(ROOT / "bin" / "update-translations"))


@pytest.fixture(scope="module")
def current_pot(tools, tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    tools["extract"](pot)
    return pot


def test_strings_are_extracted_from_python_and_templates(tools, current_pot):
    msgids = {m.id for m in tools["read_catalogue"](current_pot) if m.id}
    assert "Xin chào, %(name)s!" in msgids  # a template
    assert "Trang chính" in msgids  # lazy_gettext in Python
    assert "Giáo viên" in msgids  # a role label


@pytest.mark.parametrize("locale", ["en"])
def test_every_string_is_translated(tools, current_pot, locale):
    assert tools["LOCALES"] == ("en",), "add the new locale to the parametrize list"
    problems = tools["problems"](current_pot, locale)
    assert not problems, (
        f"{len(problems)} UI string(s) without a usable {locale} translation. Run "
        f"`.venv/bin/python bin/update-translations`, then translate them in "
        f"lms/translations/{locale}/LC_MESSAGES/messages.po:\n  " + "\n  ".join(problems)
    )


def test_catalogues_compile(tools):
    tools["compile_catalogues"]()
    from babel.support import Translations

    english = Translations.load(str(ROOT / "lms" / "translations"), ["en"])
    assert english.gettext("Lớp tôi dạy") == "My classes"
    assert english.gettext("Xin chào, %(name)s!") % {"name": "An"} == "Hello, An!"
