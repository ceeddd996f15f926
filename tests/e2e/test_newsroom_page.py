"""Issue 18 on the page in headless Chromium: bylines and outlets, export, feeds, the article view, suggestions."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import feedparser
import pytest
from browser import SEED_ID, SEED_TITLE, expect

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = pytest.mark.slow


def test_the_author_facet_filters_to_the_byline(page: Page) -> None:
    page.goto("/?q=ha+tinh")
    first = page.locator("#hits .hit").first
    expect(first.locator(".byline")).to_have_text("Thu Trang")
    page.locator("#facets a[data-facet='author'][data-value='Thu Trang']").click()
    expect(page).to_have_url(re.compile(r"author=Thu\+Trang"))
    expect(page.locator("#hits .hit-link")).to_have_text([SEED_TITLE])
    expect(page.locator("#chips")).to_contain_text("Tác giả: Thu Trang")
    expect(page.locator("#facets a[data-facet='source']")).to_have_count(0)  # the seed names no outlet


def test_the_source_facet_lists_the_outlet(page: Page) -> None:
    page.goto("/?q=kinh+te")
    outlet = page.locator("#facets a[data-facet='source'][data-value='dantri.com.vn']")
    outlet.click()
    expect(page.locator("#chips")).to_contain_text("Nguồn: dantri.com.vn")
    expect(page.locator("#hits .hit .source").first).to_have_text("dantri.com.vn")


def test_the_export_button_downloads_the_results_as_csv(page: Page, tmp_path: Path) -> None:
    page.goto("/?q=ha+tinh&author=Thu+Trang")
    expect(page.locator("#hits .hit-link")).to_have_text([SEED_TITLE])
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    path = tmp_path / "export.csv"
    info.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel and LibreOffice read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [row["id"] for row in rows] == [SEED_ID]
    assert rows[0]["title"] == SEED_TITLE and rows[0]["author"] == "Thu Trang" and "Hà Tĩnh" in rows[0]["places"]


def test_the_feed_link_is_the_searchs_atom_feed(page: Page) -> None:
    page.goto("/?q=kinh+te&source=dantri.com.vn")
    link = page.locator("#feed-link")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert "feed.atom?" in href and "q=kinh+te" in href and "source=dantri.com.vn" in href
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.entries
    assert page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href") == href


def test_a_saved_search_is_kept_with_its_feed_link(page: Page) -> None:
    page.goto("/?q=ha+tinh&author=Thu+Trang")
    expect(page.locator("#hits .hit-link")).to_have_text([SEED_TITLE])
    page.locator("#save-search").click()
    name = page.locator("#save-name")
    expect(name).to_be_focused()
    name.fill("Bài của Thu Trang")
    name.press("Enter")
    saved = page.locator("#saved .saved-link")
    expect(saved).to_have_text(["Bài của Thu Trang"])
    expect(saved).to_be_focused()
    page.goto("/")  # kept across visits (localStorage)
    expect(page.locator("#saved .saved-link")).to_have_text(["Bài của Thu Trang"])
    feed = page.locator("#saved .saved-feed").get_attribute("href") or ""
    assert feed.startswith("feed.atom?") and "author=Thu+Trang" in feed
    page.locator("#saved .saved-link").click()
    expect(page).to_have_url(re.compile(r"q=ha\+tinh&author=Thu\+Trang"))
    expect(page.locator("#hits .hit-link")).to_have_text([SEED_TITLE])
    page.locator("#saved .saved-remove").click()
    expect(page.locator("#saved")).to_be_hidden()


def test_an_article_without_byline_or_url_shows_no_null(page: Page) -> None:
    page.goto("/?q=kinh+te")
    page.locator("#hits .hit-link").first.click()
    expect(page.locator("#article-title")).to_be_focused()
    expect(page.locator("#article > .meta")).to_be_visible()
    assert "null" not in page.locator("#article").inner_text()
    page.goto(f"/?article={SEED_ID}")  # the seed has a byline but no URL
    expect(page.locator("#article .byline")).to_have_text("Thu Trang")
    assert "null" not in page.locator("#article").inner_text()


def test_the_article_view_marks_the_query_and_steps_through_matches(page: Page) -> None:
    page.goto("/?q=ha+tinh")
    page.locator(f"#hits a[data-focus-key='hit:{SEED_ID}']").click()
    marks = page.locator("#article .article-body mark")
    expect(marks.first).to_have_text("Hà Tĩnh")
    count = marks.count()
    assert count >= 2
    expect(page.locator("#article-title mark")).to_have_text(["Hà Tĩnh"])
    page.locator(".match-next").click()
    expect(page.locator(".match-status")).to_have_text(f"Chỗ khớp 1/{count + 1}")
    expect(page.locator("#article mark.current")).to_have_count(1)
    page.locator(".match-next").click()
    expect(page.locator(".match-status")).to_have_text(f"Chỗ khớp 2/{count + 1}")
    expect(marks.first).to_have_class(re.compile(r"\bcurrent\b"))
    page.locator(".match-prev").click()
    expect(page.locator(".match-status")).to_have_text(f"Chỗ khớp 1/{count + 1}")


def test_previous_and_next_result_from_the_article_view(page: Page) -> None:
    page.goto("/?q=kinh+te")
    expect(page.locator("#hits .hit-link")).to_have_count(10)  # a full page: the results are in
    titles = page.locator("#hits .hit-link").all_inner_texts()
    page.locator("#hits .hit-link").nth(1).click()
    expect(page.locator("#article-title")).to_have_text(titles[1])
    expect(page.locator(".result-position")).to_contain_text("Kết quả 2/")
    page.locator(".result-next").click()
    expect(page.locator("#article-title")).to_have_text(titles[2])
    page.locator(".result-prev").click()
    page.locator(".result-prev").click()
    expect(page.locator("#article-title")).to_have_text(titles[0])
    expect(page.locator(".result-nav .result-prev.disabled")).to_be_visible()


def test_focus_returns_to_the_opened_result_after_escape_and_back(page: Page) -> None:
    page.goto("/?q=kinh+te")
    third = page.locator("#hits .hit-link").nth(2)
    third.click()
    expect(page.locator("#article-title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#hits .hit-link").nth(2)).to_be_focused()
    page.locator("#hits .hit-link").nth(3).click()
    expect(page.locator("#article-title")).to_be_focused()
    page.go_back()
    expect(page.locator("#hits .hit-link").nth(3)).to_be_focused()


def test_copy_citation_puts_title_outlet_date_and_url_on_the_clipboard(page: Page) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/?q=kinh+te&source=dantri.com.vn")
    page.locator("#hits .hit-link").first.click()
    title = page.locator("#article-title").inner_text()
    page.locator(".copy-citation").click()
    expect(page.locator(".copy-status")).to_have_text("Đã sao chép.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"“{title}”. dantri.com.vn, ")
    assert "https://dantri.com.vn/" in copied


def test_the_print_stylesheet_prints_only_the_article(page: Page) -> None:
    page.goto(f"/?q=ha+tinh&article={SEED_ID}")
    expect(page.locator("#article-title")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator(".match-nav")).to_be_hidden()
    expect(page.locator("#article .article-body")).to_be_visible()


def test_suggestions_by_keyboard(page: Page) -> None:
    page.goto("/")
    box = page.locator("#q")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("ha ti", delay=30)
    listbox = page.locator("#q-suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.locator("[role=option]").first).to_contain_text("Hà Tĩnh")
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("ha ti")  # Esc closes the list, it does not clear what was typed
    page.keyboard.press("ArrowDown")
    expect(listbox).to_be_visible()
    page.keyboard.press("ArrowDown")
    first = listbox.locator("[role=option]").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?q=H%C3%A0\+T%C4%A9nh$"))
    expect(box).to_have_value("Hà Tĩnh")
    expect(page.locator("#summary")).to_contain_text("cho “Hà Tĩnh”")
    expect(listbox).to_be_hidden()


def test_docs_work_without_internet(page: Page, base_url: str) -> None:
    outside: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .opblock-summary-path[data-path='/export']")).to_be_visible(timeout=20_000)
    expect(page.locator(".swagger-ui .opblock-summary-path[data-path='/suggest']")).to_be_visible()
    assert outside == []


def test_clicking_a_month_bar_sets_the_dates(page: Page) -> None:
    page.goto("/?q=kinh+te")
    bars = page.locator("#date-bars .date-bar")
    expect(page.locator("#date-chart")).to_be_visible()
    assert bars.count() >= 2
    bar = bars.last
    month = bar.get_attribute("data-month") or ""
    count = int(re.sub(r"\D", "", (bar.get_attribute("aria-label") or "").split(":")[1]))
    bar.click()
    expect(page).to_have_url(re.compile(rf"from={month}&to={month}"))
    year, number = month.split("-")
    expect(page.locator("#from")).to_have_value(f"{number}/{year}")
    expect(page.locator("#to")).to_have_value(f"{number}/{year}")
    expect(page.locator("#summary")).to_contain_text(f"Tìm thấy {count} bài")
    for shown in page.locator("#hits .hit .date").all_inner_texts():
        assert shown.endswith(f"{number}/{year}")
    selected = page.locator(f"#date-bars .date-bar[data-month='{month}']")
    expect(selected).to_have_attribute("aria-current", "true")


def test_the_help_panel_explains_the_query_language(page: Page) -> None:
    page.goto("/")
    page.locator("#help summary").click()
    expect(page.locator("#help .help-list")).to_be_visible()
    expect(page.locator("#help")).to_contain_text('author:"Thu Trang"')
    expect(page.locator("#help")).to_contain_text("-bóng")


def test_the_advanced_form_writes_the_query_language(page: Page) -> None:
    page.goto("/")
    page.locator("#advanced summary").click()
    page.locator("#adv-phrase").fill("Kỳ Anh")
    page.locator("#adv-exclude").fill("bóng -mưa")
    page.locator("#adv-title").fill("thành phố")
    page.locator("#adv-author").fill("Thu Trang")
    page.locator("#adv-from").fill("2022")
    page.locator("#adv-to").fill("01/2022")
    query = '"Kỳ Anh" title:thành title:phố author:"Thu Trang" -bóng -mưa'
    expect(page.locator("#adv-query")).to_have_text(query)
    page.locator("#advanced-form button[type=submit]").click()
    expect(page.locator("#q")).to_have_value(query)
    expect(page).to_have_url(re.compile(r"from=2022-01&to=2022-01"))
    expect(page.locator("#hits .hit-link")).to_have_text([SEED_TITLE])
