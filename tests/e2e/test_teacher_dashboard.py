"""A teacher signs in, reads the Vietnamese dashboard, and switches the site to English."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_teacher_sees_vietnamese_dashboard_and_switches_to_english(page, sign_in, tmp_path):
    sign_in(page, "gv.toan")

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#welcome")).to_contain_text("Xin chào")
    expect(page.get_by_role("heading", name="Lớp tôi dạy")).to_be_visible()
    teaching = page.locator("#teachings a.next-action")
    expect(teaching).to_have_count(2)
    expect(teaching.nth(0)).to_contain_text("6A1")
    expect(teaching.nth(1)).to_contain_text("6A2")
    expect(teaching.nth(0)).to_contain_text("Toán")
    expect(page.locator("nav")).to_contain_text("Giáo viên")
    page.screenshot(path=tmp_path / "dashboard-vi.png", full_page=True)

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#welcome")).to_contain_text("Hello,")
    expect(page.get_by_role("heading", name="My classes")).to_be_visible()
    expect(teaching.nth(0)).to_contain_text("Mathematics")
    expect(page.locator("nav")).to_contain_text("Teacher")
    expect(page.get_by_role("button", name="Tiếng Việt")).to_be_visible()
    page.locator("#user-menu").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="Change password")).to_be_visible()
    page.screenshot(path=tmp_path / "dashboard-en.png", full_page=True)

    page.reload()

    expect(page.locator("#welcome")).to_contain_text("Hello,")
    expect(page.get_by_role("heading", name="My classes")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Lớp tôi dạy")


def test_phone_shows_collapsed_navbar_that_opens(phone_page, sign_in, tmp_path):
    page = sign_in(phone_page, "gv.toan")

    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_hidden()
    expect(page.locator("#welcome")).to_contain_text("Xin chào")
    page.screenshot(path=tmp_path / "dashboard-phone.png", full_page=True)

    toggler.click()  # Bootstrap's own script, served from our origin under the CSP

    expect(page.get_by_role("button", name="English")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My classes")).to_be_visible()
