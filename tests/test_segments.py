"""The rebuild workers' segment writer must write exactly what Whoosh's own writer writes, only faster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh.writing import SegmentWriter

from newssearch.index.corpus import Article, read_corpus
from newssearch.index.indexer import _document
from newssearch.store.parallel import commit_segments
from newssearch.store.schema import create_index, open_index
from newssearch.store.segments import GroupedSegmentWriter
from support import CORPUS


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    articles = [item for item in read_corpus([CORPUS]) if isinstance(item, Article)]
    assert len(articles) > 300
    return [_document(article) for article in articles]


def _write_segment(
    folder: Path, writer_class: type[SegmentWriter], documents: list[dict[str, Any]]
) -> dict[str, bytes]:
    """Write one segment of ``documents`` as separate files (not one compound file, whose member order varies)
    and return their contents by name, the segment's random id taken out."""
    folder.mkdir()
    ix = create_index(folder)
    writer = writer_class(ix, _lk=False) if writer_class is SegmentWriter else writer_class(ix)
    writer.codec.length_stats = False
    writer.compound = False
    for document in documents:
        writer.add_document(**document)
    segment = writer._finalize_segment()
    return {
        path.name.replace(segment.segid, "SEGMENT"): path.read_bytes()
        for path in folder.iterdir()
        if segment.segid in path.name
    }


def test_grouped_writer_writes_the_same_files_as_whoosh(tmp_path: Path, documents: list[dict[str, Any]]) -> None:
    whoosh = _write_segment(tmp_path / "whoosh", SegmentWriter, documents)
    grouped = _write_segment(tmp_path / "grouped", GroupedSegmentWriter, documents)
    assert sorted(grouped) == sorted(whoosh)
    assert {"MAIN_SEGMENT.pst", "MAIN_SEGMENT.trm", "MAIN_SEGMENT._stored.col"} <= set(whoosh)
    for name, content in whoosh.items():
        assert grouped[name] == content, f"{name} differs"


def test_segment_covers_long_and_single_posting_terms(tmp_path: Path, documents: list[dict[str, Any]]) -> None:
    """The comparison above only means something if terms span several blocks and single postings occur."""
    ix = create_index(tmp_path)
    writer = GroupedSegmentWriter(ix)
    for document in documents:
        writer.add_document(**document)
    commit_segments(tmp_path, [writer._finalize_segment()])
    with open_index(tmp_path).searcher() as searcher:
        reader = searcher.reader()
        frequencies = [reader.doc_frequency("body_fold", term) for term in reader.lexicon("body_fold")]
        block_limit = writer.codec._blocklimit
        assert max(frequencies) > 2 * block_limit
        assert frequencies.count(1) > 100
        assert searcher.doc_count() == len(documents)
        hits = searcher.document_numbers(body_fold="ky")
        assert any(searcher.stored_fields(n)["title"].startswith("Nỗ lực xây dựng thị xã Kỳ Anh") for n in hits)
