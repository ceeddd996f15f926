"""Warming a serving process before it takes requests (``Archive.warm_up``, run by the app's start-up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newssearch import Archive, Settings
from newssearch.archive import WARMING_SEARCHES
from newssearch.index.indexer import IndexStats
from newssearch.store.opening import IndexNotReady


@pytest.mark.parametrize("request_", WARMING_SEARCHES, ids=lambda r: r.q[:24])
def test_every_warming_search_is_a_valid_search_of_the_bundled_archive(
    bundled_index: tuple[Path, IndexStats], request_: object
) -> None:
    # warm_up logs a failing search and goes on, so a malformed one (a bad date, an unknown place) would only ever
    # show as a slow first search: here it fails.
    with Archive.open(Settings(index_dir=bundled_index[0])) as archive:
        result = archive.search(request_, budget_ms=60_000)  # type: ignore[arg-type]
    assert result.total >= 0 and not result.timed_out


def test_warm_up_without_an_index_starts_anyway(tmp_path: Path) -> None:
    with Archive.open(Settings(index_dir=tmp_path / "none")) as archive:
        archive.warm_up()
        with pytest.raises(IndexNotReady):
            archive.status()


def test_warm_up_goes_on_past_a_failing_search(
    bundled_index: tuple[Path, IndexStats], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    with Archive.open(Settings(index_dir=bundled_index[0])) as archive:
        real_search = archive.search

        def flaky(request, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(request.q)
            if len(seen) == 1:
                raise RuntimeError("boom")
            return real_search(request, **kwargs)

        monkeypatch.setattr(archive, "search", flaky)
        archive.warm_up()
    assert seen == [r.q for r in WARMING_SEARCHES]
