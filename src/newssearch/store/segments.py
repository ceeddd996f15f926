"""Write one fresh Whoosh segment quickly: postings grouped by field and term as documents arrive.

Whoosh's :class:`~whoosh.writing.SegmentWriter` sends every posting through a general-purpose pool: one tuple per
posting, sized and appended, all of a segment's tuples sorted at the end, then handed to the codec one call per
posting. Profiled on VietNews (3,000 articles, one process), pool, sort and per-posting calls were over a
quarter of the time. A rebuild worker (:mod:`newssearch.store.parallel`) writes a new segment of at most
:data:`~newssearch.store.parallel.SEGMENT_DOCS` articles that fits in memory anyway, and its document numbers only grow,
so here each posting is appended to its term's arrays as it comes, only the term list is sorted, and each term's
arrays are cut into the codec's blocks directly.

The result is Whoosh's own segment format, byte for byte what ``SegmentWriter`` writes for the same documents
(``tests/test_segments.py`` compares the files). The block writing uses attributes of whoosh3's
``W3PostingsWriter``, which is why whoosh3 is pinned exactly.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.formats import Positions
from whoosh.index import Index
from whoosh.writing import SegmentWriter

from newssearch.store.columns import ColumnsBuilder, columns_path
from newssearch.store.schema import SyllableText, stored_layout

__all__ = ["GroupedSegmentWriter"]

#: One term's postings in a segment: document numbers, weights, and the encoded values Whoosh keeps (non-empty
#: ones only, as ``W3PostingsWriter.add_posting`` does), and the positions undecoded (for the companion file).
_Postings = tuple["array[int]", "array[float]", list[bytes], "array[int]"]


class GroupedSegmentWriter(SegmentWriter):
    """A :class:`~whoosh.writing.SegmentWriter` for a new segment whose postings are held in memory by term.

    Takes the lock from nobody (the committing process holds it) and records no per-block length statistics:
    Whoosh reads those only for its own top-k BM25 pruning, and newssearch scores with arrays
    (:mod:`newssearch.engine.scoring`); skipping their lookups saved 8% of indexing time in the profile.
    Documents take no boosts; fields with spelling or term vectors are refused, since the schema has none.
    """

    def __init__(self, ix: Index) -> None:
        super().__init__(ix, _lk=False)
        self.codec.length_stats = False
        unsupported = [name for name, field in self.schema.items() if field.vector or field.separate_spelling()]
        if unsupported:
            raise ValueError(f"fields with term vectors or separate spelling are not supported: {unsupported}")
        self._terms: dict[str, dict[bytes, _Postings]] = {}
        self._index = ix
        self.columns = ColumnsBuilder(0)

    def add_document(self, **fields: Any) -> None:
        """Add one document: stored values and columns as Whoosh does, postings to their terms' arrays."""
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        fields = stored_layout(schema, fields)
        names = sorted(name for name in fields if not name.startswith("_"))  # ``_stored_x``: what to store of x
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                terms = self._terms.setdefault(name, {})
                scorable = field.scorable
                for text, freq, weight, encoded, found in _index(field, value):
                    if scorable:
                        length += freq
                    postings = terms.get(text)
                    if postings is None:
                        postings = terms[text] = (array("I"), array("f"), [], array("I"))
                    postings[0].append(docnum)
                    postings[1].append(weight)
                    if encoded:
                        postings[2].append(encoded)
                    if found:
                        postings[3].extend(found)
            perdoc.add_field(name, field, fields.get(f"_stored_{name}", value) if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        """Write every field's terms in order, each term's postings a block at a time; keep the same postings as
        flat arrays in :attr:`columns` for the segment's columnar companion."""
        self.perdocwriter.close()
        fields = self.fieldwriter
        self.columns = ColumnsBuilder(self.docnum)
        for name in sorted(self._terms):
            terms = self._terms[name]
            fields.start_field(name, self.schema[name])
            ordered = sorted(terms)
            for text in ordered:
                fields.start_term(text)
                _write_postings(fields._postwriter, terms[text])
                fields.finish_term()
            fields.finish_field()
            self._keep_columns(name, ordered, [terms[text] for text in ordered])
        fields.close()
        self._terms = {}

    def _keep_columns(self, name: str, ordered: list[bytes], postings: list[_Postings]) -> None:
        """One field's postings, term by term in ``ordered``, as the companion's flat arrays."""

        def flat(arrays: list[Any], dtype: type[np.generic]) -> npt.NDArray[Any]:
            return np.frombuffer(b"".join(a.tobytes() for a in arrays), dtype=dtype)

        with_positions = isinstance(self.schema[name].format, Positions)
        self.columns.add_field(
            name,
            ordered,
            (len(p[0]) for p in postings),
            flat([p[0] for p in postings], np.uint32),
            flat([p[1] for p in postings], np.float32),
            flat([p[3] for p in postings], np.uint32) if with_positions else None,
        )

    def write_columns(self, segment: Any) -> None:
        """Write the companion of ``segment`` (what :meth:`_finalize_segment` returned) next to it."""
        self.columns.add_per_document(self._index, segment)
        self.columns.write(columns_path(Path(self.storage.folder), segment.segment_id()))


def _index(field: Any, value: Any) -> Iterator[tuple[bytes, int, float, bytes, list[int] | None]]:
    """A field's index items with their positions (when the field keeps positions, else ``None``)."""
    if isinstance(field, SyllableText) and isinstance(field.format, Positions) and isinstance(value, str):
        yield from field.index_with_positions(value)
        return
    decode = field.format.decoder("positions") if isinstance(field.format, Positions) else None
    for text, freq, weight, encoded in field.index(value):
        yield text, freq, weight, encoded, decode(encoded) if decode is not None else None


def _write_postings(writer: Any, postings: _Postings) -> None:
    """Cut one term's postings into blocks of the codec's size, as ``add_posting`` would have.

    Full blocks are written here; the last one stays buffered for ``finish_postings``, which writes it or, for a
    term with a single posting, inlines it in the term table.
    """
    ids, weights, values, _ = postings
    limit = writer._blocklimit
    for start in range(0, len(ids), limit):
        end = start + limit
        writer._ids = ids[start:end]
        writer._weights = weights[start:end]
        writer._values = values[start:end]
        writer._maxweight = max(0.0, max(writer._weights))
        if end < len(ids):
            writer._write_block()
