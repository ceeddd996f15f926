"""The generation a request is served from: never one already closed, never one found damaged (issue 17).

Real indexes on disk and the real app. The race is widened on purpose: a new generation goes live and a switch is
started the instant a request has looked up the live generation, before it goes on.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newssearch.config import Settings
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app
from newssearch.store.pool import SearcherPool
from support import CORPUS, SEED_ID

QUERIES = ["ha tinh", "kinh tế", "giao thông", '"Vũng Áng"', "bóng đá", "học sinh", "thị xã Kỳ Anh", "giá vàng"]


def _zero_the_middle_of_the_segment(generation: Path) -> None:
    """What a disk error or a stray write leaves: the middle half of the segment file zeroed, its size unchanged."""
    [segment] = generation.glob("*.seg")
    size = segment.stat().st_size
    with open(segment, "r+b") as handle:
        handle.seek(size // 4)
        handle.write(b"\0" * (size // 2))


def test_a_switch_right_after_the_lookup_never_hands_a_request_a_closed_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root)
    # A generous budget: the rebuild below runs inside this request's time, and the answer should be whole.
    app = create_app(Settings(index_dir=root, search_budget_ms=120_000))
    with TestClient(app) as client:
        assert client.get("/readyz").json()["generation"] == "gen-000001"
        pool = app.state.archive._pool
        lookup = SearcherPool._live
        switch_done = threading.Event()
        switch_errors: list[BaseException] = []
        switch_waited: list[bool] = []

        def switch() -> None:
            try:
                pool.current()  # sees the new CURRENT: opens it and retires the generation just looked up
            except BaseException as exc:
                switch_errors.append(exc)
            finally:
                switch_done.set()

        def lookup_then_switch(self: SearcherPool[object], stamp: tuple[int, int] | None) -> object:
            opened = lookup(self, stamp)
            if self is pool and not switch_waited:
                index_corpus([CORPUS], root, rebuild=True)  # a new generation goes live now
                threading.Thread(target=switch, daemon=True).start()
                # Give the switch every chance to run before this request counts its borrow.
                switch_waited.append(not switch_done.wait(0.5))
            return opened

        monkeypatch.setattr(SearcherPool, "_live", lookup_then_switch)
        response = client.get("/search", params={"q": "ha tinh", "size": 20})
        assert response.status_code == 200
        assert response.json()["hits"][0]["id"] == SEED_ID
        assert switch_waited == [True], "the switch waited for the borrow to be counted"
        assert switch_done.wait(10) and not switch_errors
        for query in QUERIES:  # the old generation is closed once given back; the new one serves
            assert client.get("/search", params={"q": query}).status_code == 200
        assert client.get("/readyz").json()["generation"] == "gen-000002"


def test_a_live_generation_damaged_while_served_is_passed_over_and_readiness_says_so(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root)
    index_corpus([CORPUS], root, rebuild=True)  # gen-000002, every file its own (no hard links to gen-000001)
    with TestClient(create_app(Settings(index_dir=root, search_budget_ms=120_000))) as client:
        assert client.get("/readyz").json()["generation"] == "gen-000002"
        _zero_the_middle_of_the_segment(root / "gen-000002")
        for query in QUERIES:  # a request that fails on it has the files checked, and is answered from gen-000001
            response = client.get("/search", params={"q": query, "size": 50})
            assert response.status_code == 200, (query, response.text)
        ready = client.get("/readyz")  # damage that reads without an error is found by the probe's cheap check
        assert ready.status_code == 200
        assert ready.json()["generation"] == "gen-000001"
        assert "gen-000002" in ready.json()["detail"]
        assert client.get("/search", params={"q": "ha tinh"}).json()["hits"][0]["id"] == SEED_ID
        assert client.get(f"/articles/{SEED_ID}").status_code == 200


def test_readiness_notices_damage_before_any_search_fails(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root)
    with TestClient(create_app(Settings(index_dir=root, search_budget_ms=120_000))) as client:
        assert client.get("/readyz").status_code == 200
        _zero_the_middle_of_the_segment(root / "gen-000001")
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "gen-000001" in ready.json()["detail"]
        for query in QUERIES:  # nothing verifies: "not ready", never a server error
            assert client.get("/search", params={"q": query}).status_code == 503


def test_the_only_generation_damaged_answers_503_not_500(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root)
    with TestClient(
        create_app(Settings(index_dir=root, search_budget_ms=120_000)), raise_server_exceptions=False
    ) as client:
        assert client.get("/search", params={"q": "ha tinh"}).status_code == 200
        _zero_the_middle_of_the_segment(root / "gen-000001")
        # Where the zeroes fall depends on the segment's layout: a search that reads them fails, is checked and
        # answered 503 (nothing else verifies); one that does not is answered. Never a server error.
        statuses = {client.get("/search", params={"q": query, "size": 50}).status_code for query in QUERIES}
        assert statuses <= {200, 503}
        assert client.get("/readyz").status_code == 503
        assert client.get("/search", params={"q": "ha tinh"}).status_code == 503
