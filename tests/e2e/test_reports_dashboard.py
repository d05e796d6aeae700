"""The office's dashboard in Chromium on a 390 px phone: the schools side by side with their bar
charts, the 35% gauge and the monthly columns drawn (inline SVG, no script), nothing wider than
the screen; a school admin's page shows their school only."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _page
from tests.reports_support import YEAR, build_world

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _phone(browser, live_server):
    return _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)


def test_office_dashboard_charts_on_a_phone(browser, live_server, app, sign_in, tmp_path):
    world = build_world()
    context, page, problems = _phone(browser, live_server)
    sign_in(page, "admin")
    page.goto("/")
    page.locator(".navbar-toggler").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))  # opened, not sliding
    page.get_by_role("link", name="Báo cáo thống kê").click()
    expect(page.get_by_role("heading", name="Báo cáo thống kê")).to_be_visible()
    page.locator("#f-year").select_option(YEAR)
    page.locator("#report-filters button[type=submit]").click()
    page.wait_for_url(lambda url: f"year={YEAR}" in url)

    table = page.locator("#table-schools")
    expect(table).to_contain_text(world.schools["ra"].name)
    expect(table).to_contain_text(world.schools["rb"].name)
    for chart in ("#chart-teachers", "#chart-completion", "#chart-online-schools", "#chart-online-gauge",
                  "#chart-trend-assignments", "#chart-trend-approvals"):
        svg = page.locator(f"{chart} svg")
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box["width"] > 200 and box["x"] + box["width"] <= PHONE["width"] + 1, (chart, box)
    # RA's bar in the teachers chart is two thirds of the track; RB has none
    bars = page.locator("#chart-teachers rect.chart-bar")
    expect(bars).to_have_count(4)  # RA, RB and the demo district's THCS01 and THCS02
    ra_bar = page.locator("#chart-teachers rect.chart-bar title", has_text=world.schools["ra"].name)
    expect(ra_bar).to_contain_text("66,7%")
    expect(page.locator("#chart-online-gauge .gauge-text")).to_be_visible()
    expect(page.locator("#chart-trend-assignments rect.chart-bar")).to_have_count(12)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= PHONE["width"], scroll
    page.screenshot(path=tmp_path / "reports-phone.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("#report-filters")).to_be_hidden()
    expect(page.locator("#chart-online-gauge svg")).to_be_visible()
    page.emulate_media(media="screen")
    # the office's other report pages fit the phone too
    for url in (f"/reports/dx?year={YEAR}", f"/reports/?year={YEAR}&school={world.schools['ra'].id}",
                "/reports/dx/indicators"):
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    expect(page.locator("#chart-dx-group-1 svg")).to_have_count(0)  # (the last page has no chart)
    page.goto(f"/reports/dx?year={YEAR}")
    expect(page.locator("#chart-dx-group-1 svg")).to_be_visible()
    expect(page.locator("#table-dx")).to_contain_text(world.schools["ra"].name)
    context.close()
    assert not problems, "\n".join(problems)


def test_school_admin_dx_page_on_a_phone(browser, live_server, app, sign_in):
    world = build_world()
    context, page, problems = _phone(browser, live_server)
    sign_in(page, "r.admin_ra", "hoclieu-demo")
    page.goto(f"/reports/dx?year={YEAR}")
    expect(page.locator("#school-level")).to_have_text("Mức 1")
    expect(page.locator("#indicator-unverified")).to_contain_text("chưa đối chiếu văn bản gốc")
    expect(page.locator("main")).not_to_contain_text(world.schools["rb"].name)
    expect(page.locator("#criterion-1-5-1")).to_contain_text("50,0%")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
    assert not problems, "\n".join(problems)
