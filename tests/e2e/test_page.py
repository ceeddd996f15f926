"""The search page in headless Chromium against the real service: what newsroom staff do, end to end."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from browser import SEED_ID, SEED_TITLE, expect

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = pytest.mark.slow
HA_TINH = "Hà Tĩnh"


def api(base_url: str, path: str, **params: Any) -> Any:
    """Ask the service directly, to compare what the page shows with what the API says."""
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{base_url}{path}?{query}", timeout=10) as response:
        return json.load(response)


def plain(highlighted: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", highlighted))


def expect_hits_like_api(page: Page, base_url: str, params: dict[str, Any]) -> dict[str, Any]:
    """The page lists exactly the API's hits for these search parameters, in its order."""
    data: dict[str, Any] = api(base_url, "/search", size=10, **params)
    expect(page.locator("#hits .hit-link")).to_have_text([plain(hit["title"]) for hit in data["hits"]])
    expect(page.locator("#results")).to_have_attribute("aria-busy", "false")
    return data


def search(page: Page, query: str) -> None:
    page.goto("/")
    page.locator("#q").fill(query)
    page.locator("#q").press("Enter")
    expect(page.locator("#summary")).to_contain_text(f"cho “{query}”")


def shown_dates(page: Page) -> list[tuple[int, int, int]]:
    """Hit dates as (year, month, day): 06/01/2022 → (2022, 1, 6); a month-only 01/2022 sorts as day 0."""
    dates = []
    for text in page.locator("#hits .hit .date").all_inner_texts():
        parts = [int(part) for part in text.split("/")]
        dates.append((parts[2], parts[1], parts[0]) if len(parts) == 3 else (parts[1], parts[0], 0))
    return dates


def test_search_without_diacritics_highlights_the_seed_article(page: Page, base_url: str) -> None:
    page.goto("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("ha tinh")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/\?q=ha\+tinh$"))
    first = page.locator("#hits .hit").first
    expect(first.locator(".hit-title mark")).to_have_text(HA_TINH)
    expect(first.locator(".hit-link")).to_have_text(SEED_TITLE)
    expect(first.locator(".date")).to_have_text("01/2022")  # a month-only date
    expect(first.locator(".places")).to_have_text(HA_TINH)
    expect(first.locator(".hit-snippet mark").first).to_have_text(HA_TINH)
    total = api(base_url, "/search", q="ha tinh")["total"]
    expect(page.locator("#summary")).to_contain_text(f"Tìm thấy {total} bài cho “ha tinh”")
    expect(page).to_have_title("“ha tinh” – Tìm kiếm tin tức")
    # A Dân trí hit: day date, Vietnamese category label, link to the original article.
    education = page.locator("#hits .hit", has=page.locator(".category", has_text="Giáo dục")).first
    expect(education.locator(".date")).to_have_text(re.compile(r"^\d{2}/\d{2}/\d{4}$"))
    expect(education.locator("a.source-link")).to_have_attribute("href", re.compile(r"^https://dantri\.com\.vn/"))


def test_place_facet_count_matches_the_results_and_back_undoes_it(page: Page, base_url: str) -> None:
    search(page, "ha tinh")
    facet = page.locator('#facets a[data-facet="place"][data-value="Hà Tĩnh"]')
    count = int(facet.locator(".count").inner_text())
    assert count >= 1  # articles about Hà Tĩnh (the seed); those that only mention it are not counted

    facet.focus()  # keyboard: a facet is a link, Enter follows it
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"place=H%C3%A0\+T%C4%A9nh"))
    expect(page.locator("#summary")).to_contain_text(f"Tìm thấy {count} bài")
    expect(page.locator("#hits .hit")).to_have_count(min(count, 10))
    for places in page.locator("#hits .hit .places").all_inner_texts():
        assert HA_TINH in places
    selected = page.locator('#facets a[data-facet="place"][data-value="Hà Tĩnh"]')
    expect(selected).to_have_attribute("aria-current", "true")
    expect(selected).to_be_focused()
    expect(selected.locator(".count")).to_have_text(str(count))
    expect(page.locator("#chips .chip")).to_have_text([re.compile(rf"^{HA_TINH}\s*×")])

    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?q=ha\+tinh$"))
    expect_hits_like_api(page, base_url, {"q": "ha tinh"})
    expect(page.locator("#chips .chip")).to_have_count(0)


def test_date_range_typed_in_vietnamese_order(page: Page, base_url: str) -> None:
    search(page, "ha tinh")
    april = page.locator('#facets a[data-facet="month"][data-value="2021-04"]')
    expect(april.locator(".facet-value")).to_have_text("04/2021")
    april_count = int(april.locator(".count").inner_text())

    page.locator("#from").fill("1/4/2021")
    page.locator("#to").fill("30/04/2021")
    page.locator("#to").press("Enter")

    expect(page).to_have_url(re.compile(r"from=2021-04-01&to=2021-04-30"))
    expect(page.locator("#summary")).to_contain_text(f"Tìm thấy {april_count} bài")
    expect_hits_like_api(page, base_url, {"q": "ha tinh", "from": "2021-04-01", "to": "2021-04-30"})
    assert all((year, month) == (2021, 4) for year, month, _ in shown_dates(page))
    expect(page.locator("#from")).to_have_value("01/04/2021")
    expect(page.locator("#chips .chip").first).to_contain_text("01/04/2021 – 30/04/2021")

    # Refused on the page, in Vietnamese, before any request: a reversed range, a day that does not exist.
    page.locator("#from").fill("01/05/2021")
    page.locator("#date-apply").click()
    expect(page.locator("#date-error")).to_have_text("Ngày bắt đầu phải trước hoặc trùng ngày kết thúc.")
    page.locator("#from").fill("31/04/2021")
    page.locator("#date-apply").click()
    expect(page.locator("#date-error")).to_contain_text("Ngày không hợp lệ")
    expect(page.locator("#from")).to_be_focused()
    expect(page).to_have_url(re.compile(r"from=2021-04-01&to=2021-04-30"))

    # The month facet sets the same range as a month, shown as selected; a year typed alone means all of it.
    page.locator("#date-clear").click()
    page.locator('#facets a[data-facet="month"][data-value="2021-04"]').click()
    expect(page).to_have_url(re.compile(r"from=2021-04&to=2021-04"))
    expect(page.locator("#from")).to_have_value("04/2021")
    expect(page.locator("#summary")).to_contain_text(f"Tìm thấy {april_count} bài")
    expect(page.locator('#facets a[data-facet="month"][data-value="2021-04"]')).to_have_attribute(
        "aria-current", "true"
    )
    page.locator("#from").fill("2021")
    page.locator("#to").fill("2021")
    page.locator("#date-apply").click()
    expect(page).to_have_url(re.compile(r"from=2021-01&to=2021-12"))
    # The calendar button lends the browser's picker; a day picked there is written back as dd/mm/yyyy.
    page.locator("button.cal[data-for=from]").click()
    page.locator("#from-cal").evaluate(
        "(input) => { input.value = '2021-04-05'; input.dispatchEvent(new Event('change')); }"
    )
    expect(page.locator("#from")).to_have_value("05/04/2021")
    expect(page.locator("#from")).to_be_focused()
    year = page.locator('#facets a[data-facet="year"][data-value="2021"]')
    expect(year).to_have_attribute("aria-current", "true")
    expect(page.locator("#summary")).to_contain_text(f"Tìm thấy {year.locator('.count').inner_text()} bài")


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sort_orders_by_date(page: Page, base_url: str, sort: str) -> None:
    search(page, "ha tinh")
    page.locator("#sort").select_option(sort)
    expect(page).to_have_url(re.compile(rf"sort={sort}"))
    expect_hits_like_api(page, base_url, {"q": "ha tinh", "sort": sort})
    dates = shown_dates(page)
    assert dates == sorted(dates, reverse=sort == "newest")
    if sort == "newest":
        expect(page.locator("#hits .hit-link").first).to_have_text(SEED_TITLE)


def test_paging_reload_and_back_keep_the_state(page: Page, base_url: str) -> None:
    search(page, "tinh")
    page.locator("#sort").select_option("oldest")
    page.locator('#facets a[data-facet="category"][data-value="health"]').click()
    expect(page.locator("#chips")).to_contain_text("Sức khỏe")
    state = {"q": "tinh", "sort": "oldest", "category": "health"}
    first_page = expect_hits_like_api(page, base_url, state)
    assert first_page["total"] > 10

    page.locator("#pager a.pager-next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#pager [aria-current=page]")).to_have_text("2")
    expect(page.locator("#hits")).to_have_attribute("start", "11")
    expect_hits_like_api(page, base_url, {**state, "page": 2})

    url = page.url
    page.reload()
    expect(page).to_have_url(url)
    expect(page.locator("#q")).to_have_value("tinh")
    expect(page.locator("#sort")).to_have_value("oldest")
    expect(page.locator("#pager [aria-current=page]")).to_have_text("2")
    expect(page.locator('#facets a[data-facet="category"][data-value="health"]')).to_have_attribute(
        "aria-current", "true"
    )
    expect_hits_like_api(page, base_url, {**state, "page": 2})

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"page=2"))
    expect(page.locator("#pager [aria-current=page]")).to_have_text("1")
    expect_hits_like_api(page, base_url, state)


def test_article_view_uses_the_api_and_back_returns_to_results(page: Page, base_url: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(urllib.parse.urlsplit(request.url).path))
    search(page, "ha tinh")
    page.locator("#hits .hit-link").first.click()

    expect(page).to_have_url(re.compile(r"article=seed%2F000_9dadb441269e12e8\.txt"))
    expect(page.locator("#article h2")).to_have_text(SEED_TITLE)
    expect(page.locator("#article h2")).to_be_focused()
    expect(page.locator("#article .article-body p").first).to_contain_text("Phó Bí thư Thường trực Tỉnh ủy Hà Tĩnh")
    expect(page.locator("#results")).to_be_hidden()
    assert f"/articles/{SEED_ID}" in requested  # each path segment encoded, the slash kept
    # The related articles under it are the ones the API gives for this article, in its order.
    related = api(base_url, f"/articles/{urllib.parse.quote(SEED_ID)}/related")["hits"]
    assert related, "the bundled corpus has articles about Hà Tĩnh, so the seed article has related ones"
    expect(page.locator("#related .hit-link")).to_have_text([plain(hit["title"]) for hit in related])

    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/\?q=ha\+tinh$"))
    expect(page.locator("#hits .hit-link").first).to_have_text(SEED_TITLE)


def test_xss_in_the_query_renders_as_text(page: Page) -> None:
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    search(page, attack)
    expect(page.locator("#empty")).to_contain_text(f"Không tìm thấy bài nào khớp với “{attack}”.")
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img, main script").count() == 0
    expect(page.locator("#q")).to_have_value(attack)
    # Straight from a shared URL too.
    page.goto("/?q=" + urllib.parse.quote(attack))
    expect(page.locator("#summary")).to_contain_text(attack)
    assert page.evaluate("window.__xss") is None


def test_api_errors_are_shown_in_the_page(page: Page) -> None:
    page.goto("/?q=ha+tinh&from=2021")
    expect(page.locator("#error .error-title")).to_have_text("Yêu cầu tìm kiếm không hợp lệ.")
    expect(page.locator("#error .error-detail")).to_contain_text("invalid date '2021'")
    page.goto(f"/?article={urllib.parse.quote('seed/none.txt')}")
    expect(page.locator("#article .error-title")).to_have_text("Không tìm thấy bài viết.")


def fulfil_json(route: Route, body: dict[str, Any], status: int = 200) -> None:
    route.fulfill(status=status, content_type="application/json", body=json.dumps(body))


def test_suggestion_partial_match_numbers_and_loading(page: Page, base_url: str) -> None:
    """States the bundled corpus cannot produce, from the real API's answer with a few fields changed."""
    real = api(base_url, "/search", q="ha tinh", size=10)

    def answer(route: Route) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(route.request.url).query)
        if query.get("q") == ["ha tinhh"]:
            page.wait_for_timeout(600)  # a slow query
            changed = {"query": "ha tinhh", "total": 1234, "match": "partial", "suggestion": "ha tinh"}
            fulfil_json(route, {**real, **changed})
        else:
            route.continue_()

    page.route("**/search?*", answer)
    page.goto("/")
    page.locator("#q").fill("ha tinhh")
    page.locator("#q").press("Enter")
    expect(page.locator("#loading")).to_be_visible()
    expect(page.locator("#results")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#summary")).to_contain_text("Tìm thấy 1.234 bài cho “ha tinhh” · trang 1/124")
    expect(page.locator("#loading")).to_be_hidden()
    expect(page.locator("#notice")).to_be_visible()
    link = page.locator("#suggestion a")
    expect(page.locator("#suggestion")).to_have_text("Có phải bạn muốn tìm: ha tinh?")
    link.click()
    expect(page).to_have_url(re.compile(r"/\?q=ha\+tinh$"))
    expect_hits_like_api(page, base_url, {"q": "ha tinh"})
    expect(page.locator("#suggestion")).to_be_hidden()


def test_unavailable_index_and_related_articles(page: Page, base_url: str) -> None:
    real = api(base_url, "/search", q="ha tinh", size=3)
    page.route("**/search?*", lambda route: fulfil_json(route, {"detail": "no index yet"}, 503))
    page.goto("/?q=ha+tinh")
    expect(page.locator("#error .error-title")).to_have_text("Chỉ mục chưa sẵn sàng, vui lòng thử lại sau ít phút.")
    expect(page.locator("#error .error-detail")).to_have_text("no index yet")

    page.route("**/related", lambda route: fulfil_json(route, {"hits": real["hits"][1:]}))
    page.goto(f"/?article={urllib.parse.quote(SEED_ID)}")
    expect(page.locator("#related h3")).to_have_text("Bài liên quan")
    expect(page.locator("#related .hit-link")).to_have_text([plain(hit["title"]) for hit in real["hits"][1:]])


def test_phone_width_folds_the_filters_and_does_not_scroll_sideways(phone_page: Page, base_url: str) -> None:
    search(phone_page, "ha tinh")
    expect(phone_page.locator("#hits .hit-link").first).to_have_text(SEED_TITLE)
    expect(phone_page.locator("#facets")).to_be_hidden()
    phone_page.locator("#filters summary").click()
    expect(phone_page.locator('#facets a[data-facet="place"][data-value="Hà Tĩnh"]')).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_name_lists_its_articles_and_the_ones_with_its_words_apart_are_one_click_away(
    page: Page, base_url: str
) -> None:
    search(page, "ha tinh")
    name_only = expect_hits_like_api(page, base_url, {"q": "ha tinh"})
    assert name_only["apart"] > 0
    notice = page.locator("#apart")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"{name_only['apart']}")
    notice.locator("a").click()
    expect(page).to_have_url(re.compile(r"apart=true"))
    everything = expect_hits_like_api(page, base_url, {"q": "ha tinh", "apart": "true"})
    assert everything["total"] == name_only["total"] + name_only["apart"]
    expect(page.locator("#apart")).to_be_hidden()
    page.locator("#q").fill("ha tinh")  # searching again from the box reads the name as a unit again
    page.locator("#q").press("Enter")
    expect(page).not_to_have_url(re.compile(r"apart=true"))
    expect_hits_like_api(page, base_url, {"q": "ha tinh"})


def test_place_typed_any_way_is_named_back_and_the_merger_is_shown(page: Page, base_url: str) -> None:
    page.goto("/?place=sai+gon")
    expect(page.locator("#chips .chip")).to_have_text([re.compile(r"^Hồ Chí Minh\s*×")])
    expect(page.locator("#place-notes .place-note")).to_contain_text("Bình Dương")
    data = expect_hits_like_api(page, base_url, {"place": "sai gon", "sort": "newest"})
    selected = page.locator('#facets a[data-facet="place"][data-value="Hồ Chí Minh"]')
    expect(selected).to_have_attribute("aria-current", "true")
    expect(selected.locator(".count")).to_have_text(str(data["total"]))

    page.locator('#place-notes a.units-link[data-units="pre2025"]').click()
    expect(page).to_have_url(re.compile(r"units=pre2025"))
    expect_hits_like_api(page, base_url, {"place": "sai gon", "units": "pre2025", "sort": "newest"})

    selected.click()  # undoing the facet removes the typed spelling it came from
    expect(page.locator("#chips .chip")).to_have_count(0)


def test_unknown_place_offers_the_closest_names(page: Page, base_url: str) -> None:
    page.goto("/?place=ha+tihn")
    expect(page.locator("#error .error-title")).to_have_text("Yêu cầu tìm kiếm không hợp lệ.")
    page.locator("#error a.place-suggestion", has_text="Hà Tĩnh").first.click()
    expect(page).to_have_url(re.compile(r"place=H%C3%A0\+T%C4%A9nh"))
    expect_hits_like_api(page, base_url, {"place": "Hà Tĩnh", "sort": "newest"})
