"""The common syllables' scores precomputed per generation (issue 19): written by every index run that makes a
generation, equal bit for bit to what a search computes, never read for other segments or by other weights, and
the same ranking with them as without.

Real indexes of the bundled corpus on disk, built through :class:`newssearch.Archive` as the CLI builds them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from newssearch import Archive, Settings
from newssearch.engine import common
from newssearch.engine.common import TITLE_AND_BODY, common_arrays, recipe
from newssearch.store.dense import DENSE_NAME, DenseRecipe, ensure_dense
from newssearch.store.postings import PostingCache
from newssearch.store.schema import open_index
from support import CORPUS, SEED_ID, copy_without, index_as_the_cli_does, listed_again, live_generation

#: The three query shapes, typed with and without diacritics, in NFD, with old tone placement.
QUERIES = [
    "ha tinh",
    "Hà Tĩnh",
    "Thị uỷ Kỳ Anh",
    "nguyen xuan phuc",
    "kinh tế",
    "người dân được hỗ trợ",
    "Bộ Y tế cho biết trong ngày có thêm nhiều ca mắc mới tại các tỉnh",
    "cong an tinh da vao cuoc dieu tra nguyen nhan vu viec va se xu ly nghiem",
    "Khởi công dự án đường cao tốc",
    "title:người",
    "UBND",
    "TP.HCM Hà Nội",
]


def _archive(root: Path) -> Archive:
    return Archive.open(Settings(index_dir=root, search_budget_ms=120_000))


def _ranked(root: Path) -> dict[str, tuple[int, list[tuple[str, float]]]]:
    """Each query's total and its first 50 hits with their scores, unrounded."""
    with _archive(root) as archive:
        return {
            q: (result.total, [(hit.id, hit.score) for hit in result.hits])
            for q, result in archive.search_many(dict(zip(QUERIES, QUERIES, strict=True)), size=50)
        }


def _precomputed(root: Path) -> int:
    with _archive(root) as archive:
        return archive.status().precomputed_arrays


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dense") / "ix"
    index_as_the_cli_does(CORPUS, root)
    return root


def test_every_precomputed_array_is_bit_for_bit_what_a_search_computes(built: Path) -> None:
    postings = PostingCache(open_index(live_generation(built).path))
    names = ["fold:va", "fold:cua", "fold:nguoi", "exact:và", "exact:người"]
    assert postings.precomputed_arrays > 150
    for name in names:
        kind, term = name.split(":")
        stored = postings.precomputed(recipe(), name)
        assert stored is not None, name
        computed = (common._computed_scores if kind == "fold" else common._computed_exact)(
            postings, term, TITLE_AND_BODY
        )
        assert stored.dtype == computed.dtype and np.array_equal(stored, computed), name
    for form in [("hoi", "dong", "nhan", "dan"), ("ha", "noi"), ("thanh", "pho", "ho", "chi", "minh")]:
        stored = postings.precomputed(recipe(), f"together:{'_'.join(form)}")
        assert stored is not None and np.array_equal(stored, common._computed_together(postings, form)), form
        assert stored.any(), form  # each is in the bundled corpus
    assert postings.precomputed(recipe(), "fold:zyxwvu") is None  # a rare syllable is computed as it is read
    assert postings.precomputed("other weights", "fold:va") is None
    postings.close()


def test_ranking_is_the_same_with_the_precomputed_arrays_as_without(built: Path, tmp_path: Path) -> None:
    without = copy_without(built, tmp_path / "without", DENSE_NAME)
    assert _precomputed(built) > 0 and _precomputed(without) == 0
    with_arrays, computed = _ranked(built), _ranked(without)
    assert with_arrays["ha tinh"][1][0][0] == SEED_ID
    assert with_arrays == computed


def test_a_nightly_run_writes_the_arrays_of_its_own_generation(tmp_path: Path) -> None:
    """The run hard-links the files it does not change; the arrays change with every new article and deletion."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    root = tmp_path / "ix"
    index_as_the_cli_does(corpus, root)
    before = live_generation(root).path / DENSE_NAME
    seed = next(corpus.rglob("000_9dadb441269e12e8.txt"))
    seed.with_name("nightly.txt").write_text(seed.read_text(encoding="utf-8").replace("Kỳ Anh", "Kỳ Anh Zyxwvu"))
    seed.unlink()  # and one deleted
    index_as_the_cli_does(corpus, root)
    after = live_generation(root).path / DENSE_NAME
    assert after.stat().st_ino != before.stat().st_ino
    assert before.read_bytes() != after.read_bytes()
    postings = PostingCache(open_index(after.parent))
    stored = postings.precomputed(recipe(), "fold:va")
    assert stored is not None
    assert np.array_equal(stored, common._computed_scores(postings, "va", TITLE_AND_BODY))
    postings.close()
    copy = copy_without(root, tmp_path / "without", DENSE_NAME)
    assert _ranked(root) == _ranked(copy)


def test_a_file_of_other_segments_or_other_weights_is_not_read(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    live = live_generation(copy)
    (live.path / DENSE_NAME).unlink()
    assert ensure_dense(live.path, DenseRecipe("other weights", common_arrays().make))
    listed_again(live)
    assert _precomputed(copy) > 0  # the file is there and mapped, but the engine's recipe is not its
    postings = PostingCache(open_index(live.path))
    assert postings.precomputed(recipe(), "fold:va") is None
    postings.close()
    stale = tmp_path / "stale"
    shutil.copytree(built, stale)
    other = tmp_path / "other"
    index_as_the_cli_does(CORPUS / "seed", other)  # another archive's file: another generation's segments
    stale_live = live_generation(stale)
    (stale_live.path / DENSE_NAME).unlink()
    shutil.copy(live_generation(other).path / DENSE_NAME, stale_live.path / DENSE_NAME)
    listed_again(stale_live)
    assert _precomputed(stale) == 0


def test_a_generation_without_the_arrays_gets_them_from_the_next_run(built: Path, tmp_path: Path) -> None:
    """An index written before they existed: the next run, with nothing changed in the corpus, still writes them."""
    root = copy_without(built, tmp_path / "old", DENSE_NAME)
    assert _precomputed(root) == 0
    index_as_the_cli_does(CORPUS, root)
    assert live_generation(root).name == "gen-000002"
    assert _precomputed(root) == _precomputed(built) > 0


@pytest.mark.parametrize("header", [b"[]", b'{"version": 1, "segments": 3}'])
def test_a_file_with_a_header_this_code_did_not_write_is_not_read(built: Path, tmp_path: Path, header: bytes) -> None:
    """The generation opens and is searched without it (computed as read); the next run writes a usable one."""
    from newssearch.store.columns import MAGIC

    root = copy_without(built, tmp_path / "odd", DENSE_NAME)
    live = live_generation(root)
    (live.path / DENSE_NAME).write_bytes(MAGIC + len(header).to_bytes(8, "little") + header)
    listed_again(live)
    assert _precomputed(root) == 0
    assert _ranked(root) == _ranked(built)
    assert ensure_dense(live.path, common_arrays())
    postings = PostingCache(open_index(live.path))
    assert postings.precomputed_arrays > 150
    postings.close()
