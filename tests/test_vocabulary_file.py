"""The completion vocabulary's counts derived per generation by the indexer (issue 19): written by every index run
that makes a generation, listed in its manifest, read by the service instead of counting every article again, the
same completions as counted, and never read for other segments or by other code.

Real indexes of the bundled corpus on disk, built through :class:`newssearch.Archive` as the CLI builds them.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from pathlib import Path

import pytest

from newssearch import Archive, Settings
from newssearch.engine import complete
from newssearch.engine.complete import VOCABULARY_COUNTS, build_vocabulary, read_vocabulary
from newssearch.store import generations
from newssearch.store.derived import SUFFIX, DerivedRecipe, derived_path, ensure_derived, read_derived
from newssearch.store.postings import PostingCache
from newssearch.store.schema import open_index
from support import CORPUS, copy_without, index_as_the_cli_does, live_generation

#: Typed prefixes whose completions are compared: names, headline words and places, with and without diacritics.
VOCABULARY_FILE = f"{VOCABULARY_COUNTS.name}{SUFFIX}"
PREFIXES = ["nguyen", "Nguyễn X", "ha ti", "kinh t", "tp", "b", "quang n", "thu tuong"]


def _file(root: Path) -> Path:
    return derived_path(live_generation(root).path, VOCABULARY_COUNTS)


def _counts(root: Path) -> dict[str, dict[str, int]] | None:
    postings = PostingCache(open_index(live_generation(root).path))
    try:
        found: dict[str, dict[str, int]] | None = postings.derived(VOCABULARY_COUNTS)
        return found
    finally:
        postings.close()


def _whole_completions(root: Path, timeout_s: float = 60.0) -> dict[str, list[str]] | None:
    """Each prefix's completions once the archive's vocabulary is whole (``None`` if it never gets whole)."""
    with Archive.open(Settings(index_dir=root)) as archive:
        archive.suggest("a")  # starts reading the vocabulary in the background
        deadline = time.monotonic() + timeout_s
        while archive.suggest("a").partial:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)
        return {p: [s.text for s in archive.suggest(p).suggestions] for p in PREFIXES}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vocabulary") / "ix"
    index_as_the_cli_does(CORPUS, root)
    return root


def test_the_index_run_writes_the_counts_and_lists_them_in_the_manifest(built: Path) -> None:
    path = _file(built)
    manifest = json.loads((path.parent / generations.MANIFEST).read_text())
    assert path.name in manifest["files"]
    counts = _counts(built)
    assert counts is not None
    assert counts["names"] and counts["words"]
    assert all(n >= complete.MIN_NAME_COUNT for n in counts["names"].values())
    assert counts["names"]["Hà Tĩnh"] >= complete.MIN_NAME_COUNT


def test_the_vocabulary_read_from_the_file_is_the_one_counted_from_the_articles(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Archive.open(Settings(index_dir=built)) as archive, archive._pool.view() as (view, opened):
        counted = build_vocabulary(view, opened.attached)

        def no_counting(*args: object, **kwargs: object) -> None:
            raise AssertionError("the articles were counted again")

        monkeypatch.setattr(complete, "count_vocabulary", no_counting)
        read = read_vocabulary(view, opened.attached)
    assert len(read) == len(counted) > 100
    for prefix in PREFIXES:
        assert read.complete(prefix) == counted.complete(prefix), prefix


def test_the_service_completes_from_the_file_without_counting_the_articles(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _whole_completions(built)
    assert expected is not None and any(expected.values())
    assert any(" " in text for texts in expected.values() for text in texts)  # names, not only single words
    without = copy_without(built, tmp_path / "without", VOCABULARY_FILE)

    def no_counting(*args: object, **kwargs: object) -> None:
        raise RuntimeError("counting every article")

    monkeypatch.setattr(complete, "count_vocabulary", no_counting)
    assert _whole_completions(built) == expected  # the file is read: nothing is counted
    assert _whole_completions(without, timeout_s=2.0) is None  # no file: only counting could make it whole
    monkeypatch.undo()
    assert _whole_completions(without) == expected  # counted: the same completions


def test_a_nightly_run_writes_the_counts_of_its_own_generation(tmp_path: Path) -> None:
    """The run hard-links the files it does not change; the counts change with every new article and deletion."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    root = tmp_path / "ix"
    index_as_the_cli_does(corpus, root)
    before = _file(root)
    before_bytes = before.read_bytes()
    seed = next(corpus.rglob("000_9dadb441269e12e8.txt"))
    text = seed.read_text(encoding="utf-8")
    for n in range(3):  # three new articles say a new name in their lede
        seed.with_name(f"nightly{n}.txt").write_text(text.replace("Kỳ Anh", "Kỳ Anh, do Zyxwvu Quýt"))
    index_as_the_cli_does(corpus, root)
    after = _file(root)
    assert after.stat().st_ino != before.stat().st_ino
    assert before.read_bytes() == before_bytes  # the previous generation's file was not written through
    counts = _counts(root)
    assert counts is not None and counts["names"].get("Zyxwvu Quýt") == 3


def test_a_file_of_other_segments_or_other_code_is_not_read(built: Path, tmp_path: Path) -> None:
    live = live_generation(built)
    postings = PostingCache(open_index(live.path))
    signature, docs = postings.signature, postings.doc_count_all
    postings.close()
    assert read_derived(live.path, VOCABULARY_COUNTS, signature, docs) is not None
    other_code = DerivedRecipe(VOCABULARY_COUNTS.name, "completion-vocabulary/0", VOCABULARY_COUNTS.make)
    assert read_derived(live.path, other_code, signature, docs) is None
    other = tmp_path / "other"
    index_as_the_cli_does(CORPUS / "seed", other)  # another archive: another generation's segments
    stale = copy_without(built, tmp_path / "stale", VOCABULARY_FILE)
    shutil.copy(_file(other), derived_path(live_generation(stale).path, VOCABULARY_COUNTS))
    assert _counts(stale) is None
    assert ensure_derived(live_generation(stale).path, VOCABULARY_COUNTS)  # not usable: written again
    assert _counts(stale) == _counts(built)


def test_a_generation_without_the_counts_gets_them_from_the_next_run(built: Path, tmp_path: Path) -> None:
    """An index written before they existed: the next run, with nothing changed in the corpus, still writes them."""
    root = copy_without(built, tmp_path / "old", VOCABULARY_FILE)
    assert _counts(root) is None
    index_as_the_cli_does(CORPUS, root)
    assert live_generation(root).name == "gen-000002"
    assert _counts(root) == _counts(built) is not None


def test_a_file_of_unexpected_content_is_counted_again(built: Path, tmp_path: Path) -> None:
    """A file whose header is right but whose data is not counts (hand-edited, another tool's): counted again."""
    copy = copy_without(built, tmp_path / "odd", VOCABULARY_FILE)
    garbled = DerivedRecipe(VOCABULARY_COUNTS.name, VOCABULARY_COUNTS.recipe, lambda view: {"names": ["Hà Tĩnh"]})
    assert ensure_derived(live_generation(copy).path, garbled)
    assert _counts(copy) == {"names": ["Hà Tĩnh"]}
    assert _whole_completions(copy) == _whole_completions(built)


@pytest.mark.parametrize("header", ["[]", '{"version": 1, "segments": 3}', "not json", ""])
def test_a_file_with_a_header_this_code_did_not_write_is_not_read(built: Path, tmp_path: Path, header: str) -> None:
    """Read as absent (the vocabulary is counted), never an error in the thread that reads it."""
    copy = copy_without(built, tmp_path / "odd", VOCABULARY_FILE)
    with gzip.open(derived_path(live_generation(copy).path, VOCABULARY_COUNTS), "wt", encoding="utf-8") as out:
        out.write(header + '\n{"names": {}, "words": {}}\n')
    assert _counts(copy) is None
    assert ensure_derived(live_generation(copy).path, VOCABULARY_COUNTS)  # the next run writes a usable one
    assert _counts(copy) == _counts(built)
