"""Turns of expensive searches (issue 17): a search known to be expensive waits for the turn from its first step,
a cheap one never waits, and a search told it is expensive by its page size, its length (a pasted lead, a long OR)
or the did-you-mean walks ahead of it (two or more; one typo stays a normal search) is."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newssearch import Archive, Settings
from newssearch.engine import budget as budget_module
from newssearch.engine import scoring
from newssearch.engine import search as search_module
from newssearch.engine import suggest as suggest_module
from newssearch.engine.budget import LIGHT_CPU_MS, Budget
from newssearch.engine.search import HEAVY_PAGE_SIZE, SearchRequest
from newssearch.index.indexer import IndexStats


def _expensive_search_in_thread(*, burn_ms: float = 0) -> tuple[threading.Thread, threading.Event, list[Budget]]:
    """A search asking its budget in a thread of its own (as a request is served; a budget counts its own thread's
    CPU time): known to be expensive, or having used ``burn_ms`` of CPU; ``done`` once the budget lets it go on."""
    done = threading.Event()
    made: list[Budget] = []

    def run() -> None:
        budget = Budget(60_000)
        if burn_ms:
            while (time.thread_time() - budget.cpu_started) * 1000 < burn_ms:
                pass
        else:
            budget.expect_heavy()
        made.append(budget)
        budget.expired()
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done, made


def test_a_search_known_to_be_expensive_waits_for_the_turn_and_a_cheap_one_does_not() -> None:
    holder = Budget(60_000)
    holder.expect_heavy()
    assert not holder.expired() and holder.holds_turn  # the turn was free
    thread, done, waiting = _expensive_search_in_thread()
    cheap = Budget(60_000)
    try:
        assert not cheap.expired() and not cheap.holds_turn  # a cheap search goes on at once
        assert not done.wait(0.3), "an expensive search went on while another held the only turn"
        holder.release()
        assert done.wait(10)
        assert waiting[0].holds_turn and not waiting[0].exhausted
    finally:
        for budget in (holder, cheap, *waiting):
            budget.release()
        thread.join(10)


def test_a_search_that_has_used_more_than_the_light_allowance_goes_before_one_known_to_be_expensive() -> None:
    """A phrase of common words (10–35 ms) is not kept waiting behind a stream of worst-case requests."""
    holder = Budget(60_000)
    holder.expect_heavy()
    holder.expired()
    heavy_thread, heavy_done, heavy = _expensive_search_in_thread()
    assert not heavy_done.wait(0.2)
    busy_thread, busy_done, busy = _expensive_search_in_thread(burn_ms=LIGHT_CPU_MS + 5)
    try:
        assert not busy_done.wait(0.3), "a search over the light allowance went on while another held the turn"
        holder.release()
        assert busy_done.wait(10)
        assert busy[0].holds_turn and not heavy_done.is_set()
        busy[0].release()
        assert heavy_done.wait(10)
    finally:
        for budget in (holder, *heavy, *busy):
            budget.release()
        heavy_thread.join(10)
        busy_thread.join(10)


def test_an_expensive_search_whose_budget_runs_out_while_waiting_says_it_was_cut() -> None:
    holder = Budget(60_000)
    holder.expect_heavy()
    holder.expired()
    short = Budget(50)
    short.expect_heavy()
    try:
        assert short.expired() and short.exhausted and not short.holds_turn
    finally:
        holder.release()
        short.release()


@pytest.fixture(scope="module")
def archive(bundled_index: tuple[Path, IndexStats]) -> Iterator[Archive]:
    with Archive.open(Settings(index_dir=bundled_index[0])) as opened:
        yield opened


@pytest.fixture
def heavy_calls(monkeypatch: pytest.MonkeyPatch) -> list[Budget]:
    """The budgets told they are expensive, recorded (the real method still runs)."""
    told: list[Budget] = []
    original = budget_module.Budget.expect_heavy

    def record(self: Budget) -> None:
        told.append(self)
        original(self)

    monkeypatch.setattr(budget_module.Budget, "expect_heavy", record)
    return told


def test_a_big_page_is_expensive_from_the_start_and_a_normal_one_is_not(
    archive: Archive, heavy_calls: list[Budget]
) -> None:
    result = archive.search(SearchRequest("kinh tế", size=10))
    assert result.hits and not heavy_calls
    result = archive.search(SearchRequest("kinh tế", size=HEAVY_PAGE_SIZE + 1))
    assert len(result.hits) == HEAVY_PAGE_SIZE + 1 and len(heavy_calls) == 1


def test_walking_the_vocabulary_for_two_unknown_words_makes_a_search_expensive_before_the_first_walk(
    archive: Archive, heavy_calls: list[Budget], monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = archive.search(SearchRequest("hà tĩnhh"))
    assert typo.suggestion and not heavy_calls  # one typo: a normal search
    walked_when_told: list[int] = []
    real_walk = suggest_module._closest

    def walk(*args: Any) -> str | None:
        walked_when_told.append(len(heavy_calls))
        return real_walk(*args)

    monkeypatch.setattr(suggest_module, "_closest", walk)
    archive.search(SearchRequest("xqzvwkrt hà tĩnhh"))
    assert len(heavy_calls) == 1 and walked_when_told and walked_when_told[0] == 1  # told before the first walk


def test_a_pasted_lead_or_a_long_or_is_expensive_from_the_start_and_a_short_name_is_not(
    archive: Archive, heavy_calls: list[Budget]
) -> None:
    archive.search(SearchRequest("ha tinh"))
    assert not heavy_calls
    lead = "Mưa lớn kéo dài nhiều ngày ở Hà Tĩnh làm ngập hàng nghìn ngôi nhà, chính quyền sơ tán người dân"
    assert archive.search(SearchRequest(lead)).hits
    assert len(heavy_calls) == 1
    archive.search(SearchRequest("và OR của OR có OR các OR trong OR được OR là"))  # one group, seven words
    assert len(heavy_calls) == 2


def test_a_search_whose_budget_runs_out_among_its_word_pairs_reads_no_further_pair(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pairs of a long query are read one by one, each a posting list over the archive: a search cut there must
    stop (it once read all 64 without looking at its budget, the longest stretch a turn holder kept the turn)."""
    pairs_read: list[str] = []
    real_bm25 = scoring.bm25
    budgets: list[Budget] = []
    real_init = budget_module.Budget.__post_init__

    def note_budget(self: Budget) -> None:
        budgets.append(self)
        real_init(self)

    def read(view: Any, field: str, term: str) -> Any:
        if field == "bigram":
            pairs_read.append(term)
            budgets[-1].exhausted = True  # the budget runs out while the first pair is read
        return real_bm25(view, field, term)

    monkeypatch.setattr(budget_module.Budget, "__post_init__", note_budget)
    monkeypatch.setattr(scoring, "bm25", read)
    lead = "Mưa lớn kéo dài nhiều ngày ở Hà Tĩnh làm ngập hàng nghìn ngôi nhà, chính quyền sơ tán người dân"
    result = archive.search(SearchRequest(lead))
    assert result.timed_out and result.hits
    assert len(pairs_read) == 1


PROVINCES = [
    "Hà Tĩnh",
    "Nghệ An",
    "Quảng Nam",
    "Đà Nẵng",
    "Hà Nội",
    "Thanh Hóa",
    "Quảng Bình",
    "Quảng Trị",
    "Huế",
    "Bình Định",
    "Phú Yên",
    "Khánh Hòa",
    "Gia Lai",
    "Kon Tum",
    "Đắk Lắk",
    "Lâm Đồng",
    "Cần Thơ",
    "An Giang",
    "Cà Mau",
    "Hải Phòng",
    "Quảng Ninh",
]


def test_a_search_with_many_filter_values_is_expensive_and_waits_for_the_turn_before_reading_them(
    archive: Archive, heavy_calls: list[Budget], monkeypatch: pytest.MonkeyPatch
) -> None:
    held_when_filtering: list[bool] = []
    real_filters = search_module._filters

    def filters(*args: Any) -> Any:
        held_when_filtering.append(bool(heavy_calls) and heavy_calls[-1].holds_turn)
        return real_filters(*args)

    monkeypatch.setattr(search_module, "_filters", filters)
    assert archive.search(SearchRequest("ha tinh", places=PROVINCES[:2])).hits
    assert not heavy_calls and held_when_filtering == [False]
    assert len(PROVINCES) > search_module.HEAVY_FILTER_VALUES
    assert archive.search(SearchRequest("ha tinh", places=PROVINCES)).hits
    assert len(heavy_calls) == 1 and held_when_filtering[-1]  # told, and it took the turn before any filter


def test_a_filter_value_sent_many_times_counts_once(archive: Archive, heavy_calls: list[Budget]) -> None:
    once = archive.search(SearchRequest("ha tinh", places=["Hà Tĩnh"]))
    repeated = archive.search(SearchRequest("ha tinh", places=["Hà Tĩnh"] * 500))
    assert not heavy_calls  # one value, however often it is sent
    assert [h.id for h in repeated.hits] == [h.id for h in once.hits] and repeated.total == once.total
    assert len(repeated.place_filters) == len(once.place_filters) == 1
