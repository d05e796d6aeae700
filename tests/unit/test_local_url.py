import pytest

from lms.core.http import local_url


@pytest.mark.parametrize("target", ["/", "/materials/3?tab=history", "/reviews/queue#mine"])
def test_paths_on_this_site_are_kept(target):
    assert local_url(target) == target


@pytest.mark.parametrize("target", [
    None, "", "materials", "//evil.example/", "/\\evil.example", "/\\/evil.example",
    "https://evil.example/", "javascript:alert(1)", "/ok\r\nLocation: //evil.example",
])
def test_anything_else_is_refused(target):
    assert local_url(target) is None
