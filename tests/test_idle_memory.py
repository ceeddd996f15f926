"""A worker gives its free heap back once it has been idle, and never while requests keep coming (issue 19)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newssearch import Settings
from newssearch.index.indexer import IndexStats
from newssearch.service import idle_memory
from newssearch.service.api import create_app

IDLE = 0.4


@pytest.fixture
def trims(
    bundled_index: tuple[Path, IndexStats], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, list[float]]]:
    """The real app, its heap trims recorded (the real trim still runs) and the idle time shortened."""
    called: list[float] = []
    real_trim = idle_memory.malloc_trim

    def record() -> bool:
        called.append(time.monotonic())
        return real_trim()

    monkeypatch.setattr(idle_memory, "malloc_trim", record)
    monkeypatch.setattr(idle_memory, "IDLE_SECONDS", IDLE)
    with TestClient(create_app(Settings(index_dir=bundled_index[0]))) as client:
        yield client, called


def test_the_heap_is_trimmed_once_after_the_requests_stop_and_again_after_the_next(
    trims: tuple[TestClient, list[float]],
) -> None:
    client, called = trims
    for query in ("ha tinh", "quảng nam", "Thị ủy Kỳ Anh"):
        assert client.get("/search", params={"q": query}).status_code == 200
    assert not called  # not while the requests come back to back
    last = time.monotonic()
    time.sleep(IDLE * 4)
    assert len(called) == 1 and called[0] - last >= IDLE * 0.5  # once, after the idle time
    assert client.get("/healthz").status_code == 200
    time.sleep(IDLE * 4)
    assert len(called) == 2


def test_a_steady_stream_of_requests_is_never_interrupted_by_a_trim(trims: tuple[TestClient, list[float]]) -> None:
    client, called = trims
    until = time.monotonic() + IDLE * 4
    while time.monotonic() < until:
        assert client.get("/search", params={"q": "ha tinh"}).status_code == 200
    assert not called
    time.sleep(IDLE * 4)
    assert len(called) == 1


def test_the_c_library_gives_the_free_heap_back() -> None:
    """This machine's C library is glibc (CI's and the service's): the trim is real, not a no-op."""
    assert idle_memory.malloc_trim()
