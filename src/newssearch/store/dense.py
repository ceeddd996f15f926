"""Per-document arrays the engine computes once per generation, written beside it and memory-mapped by every worker.

A pasted lead has about 24 distinct syllables, and about 11 of them are in more than half of the 150,703 VietNews
articles (``và``, ``của``, ``người``): each cost a BM25 pass and scatters over some 100,000 postings per field,
about 0.9 ms each and 15 of a lead's 40 ms, although every lead and most headlines read the same hundred of them.
Their scores depend only on the generation (its documents, lengths and deletions), so the engine computes them
once, when the indexer has written the generation and before it is switched to, as whole-archive arrays; a search
then copies one array where it scattered hundreds of thousands of postings. Being in one file of the generation,
they are listed in its manifest, verified with the rest, and shared by every worker through the page cache.

This module knows nothing of what the arrays mean: the engine names them and says how they are made
(:class:`DenseRecipe`); its ``recipe`` string changes with whatever changes their values (a ranking weight), and a
file written by another recipe, or for other segments (a nightly run hard-links the files it does not change into
the new generation), is not used. Without the file every array is computed as before, with the same results.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from newssearch.logs import get_logger
from newssearch.store.columns import MAGIC, ArrayFile, _aligned
from newssearch.store.view import PostingsView

__all__ = [
    "DENSE_NAME",
    "DenseArrays",
    "DenseRecipe",
    "Signature",
    "ensure_dense",
    "generation_signature",
    "lacks_dense",
    "made_for",
    "open_dense",
    "signature_of",
]

log = get_logger("dense")

DENSE_NAME = "DENSE.cols"
VERSION = 1
#: Bytes of a memory page (one byte of each is read to map a file in where ``MAP_POPULATE`` is missing).
PAGE_BYTES = mmap.PAGESIZE

#: Each segment of a generation, in order: its id, documents and live documents. Deleted documents only accumulate
#: in a segment until it is merged away (a new id), so this says which documents, lengths and deletions there are.
Signature = list[tuple[str, int, int]]


@dataclass(frozen=True)
class DenseRecipe:
    """How the engine makes its arrays for a generation: ``make`` yields ``(name, array)`` pairs, each array one
    value per document number; ``recipe`` names the code and weights that make them."""

    recipe: str
    make: Callable[[PostingsView], Iterable[tuple[str, npt.NDArray[Any]]]]


def signature_of(leaves: Iterable[Any]) -> Signature:
    """The :data:`Signature` of a reader's leaves (segment readers, in document-number order; an empty index's
    reader has no segment)."""
    signature = []
    for leaf in leaves:
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        signature.append(("" if segment is None else segment.segment_id(), leaf.doc_count_all(), leaf.doc_count()))
    return signature


class DenseArrays:
    """One generation's mapped arrays, by name (read-only views of the file)."""

    def __init__(self, recipe: str, arrays: dict[str, npt.NDArray[Any]]) -> None:
        self.recipe = recipe
        self._arrays = arrays

    def __len__(self) -> int:
        return len(self._arrays)

    def get(self, recipe: str, name: str) -> npt.NDArray[Any] | None:
        """The array ``name`` when the file was made by ``recipe``, else ``None``."""
        return self._arrays.get(name) if recipe == self.recipe else None


def _header(path: Path) -> tuple[dict[str, Any], int] | None:
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return None
            length = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(length))
            return (header, length) if isinstance(header, dict) else None
    except (OSError, ValueError):
        return None


def made_for(header: object, version: int, signature: Signature, docs: int, recipe: str | None = None) -> bool:
    """Whether a derived file's header says it was made in ``version`` for the generation whose segments are
    ``signature`` (``docs`` documents), and by ``recipe`` when one is given; a header of another shape (damaged,
    another tool's) is not."""
    if not isinstance(header, dict):
        return False
    try:
        segments = [tuple(s) for s in header.get("segments", [])]
    except TypeError:  # not a list of lists
        return False
    return (
        header.get("version") == version
        and (recipe is None or header.get("recipe") == recipe)
        and header.get("docs") == docs
        and segments == [tuple(s) for s in signature]
    )


def generation_signature(index_dir: Path) -> tuple[Signature, int]:
    """The :data:`Signature` and document numbers in use of the generation in ``index_dir``, from its table of
    contents (no posting is read)."""
    from newssearch.store.schema import open_index

    with open_index(index_dir).reader() as reader:
        return signature_of(leaf for leaf, _ in reader.leaf_readers()), reader.doc_count_all()


def _map_whole(fd: int) -> mmap.mmap:
    """The file mapped read-only, every page mapped in now (Linux ``MAP_POPULATE``; elsewhere one byte of each
    page read), before any search needs it: also what warms a new generation's arrays before the switch.

    Measured on 150,703 articles (116 MB of arrays), each distinct query once: mapped page by page as searches
    first touched them, pasted leads took 32.8 ms (median) and headlines 24.7; populated at open, 28.8 and 21.2,
    as fast as a second pass. The pages are the page cache's, shared by every worker (their PSS splits them).
    """
    populate = getattr(mmap, "MAP_POPULATE", 0)
    if populate:
        return mmap.mmap(fd, 0, flags=mmap.MAP_SHARED | populate, prot=mmap.PROT_READ)
    memory = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    np.frombuffer(memory, dtype=np.uint8)[::PAGE_BYTES].sum()
    return memory


def open_dense(index_dir: Path, signature: Signature, docs: int) -> DenseArrays | None:
    """The generation's arrays, mapped; ``None`` when there is no file, or it was written for other segments (or
    other code), or it is cut short."""
    path = index_dir / DENSE_NAME
    found = _header(path)
    if found is None or not made_for(found[0], VERSION, signature, docs):
        return None
    header, length = found
    try:
        with open(path, "rb") as handle:
            memory = _map_whole(handle.fileno())
        first = _aligned(len(MAGIC) + 8 + length)
        arrays = {
            name: np.frombuffer(
                memory, dtype=np.dtype(ref["dtype"]), count=ref["count"], offset=first + header["offsets"][ref["n"]]
            )
            for name, ref in header["arrays"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, IndexError):  # cut short: numpy refuses a view past the end
        return None
    return DenseArrays(str(header.get("recipe")), arrays)


def lacks_dense(index_dir: Path, recipe: DenseRecipe) -> bool:
    """Whether the generation in ``index_dir`` lacks a usable file of ``recipe``'s arrays (made by it, for its
    segments)."""
    found = _header(index_dir / DENSE_NAME)
    if found is None or found[0].get("recipe") != recipe.recipe:
        return True
    return not made_for(found[0], VERSION, *generation_signature(index_dir), recipe.recipe)


def ensure_dense(index_dir: Path, recipe: DenseRecipe) -> bool:
    """Write the generation's arrays by ``recipe`` unless it has them already; whether a file was written.

    Derived data: a failure to write is logged and leaves the generation without the file (searches then compute
    the arrays, with the same results)."""
    from newssearch.store.postings import PostingCache
    from newssearch.store.schema import open_index

    if not lacks_dense(index_dir, recipe):
        return False
    path = index_dir / DENSE_NAME
    postings = PostingCache(open_index(index_dir))
    try:
        signature, docs = postings.signature, postings.doc_count_all
        path.unlink(missing_ok=True)  # a hard link to the previous generation's: never written through
        out = ArrayFile(path)
        names: dict[str, Any] = {}
        try:
            for name, array in recipe.make(postings):
                if array.shape != (docs,):
                    raise ValueError(f"{name}: {array.shape} values for {docs} documents")
                names[name] = out.add(array)
            out.finish(
                {"version": VERSION, "docs": docs, "segments": signature, "recipe": recipe.recipe, "arrays": names}
            )
        except BaseException:
            out.abandon()
            raise
    except (OSError, ValueError) as exc:
        path.unlink(missing_ok=True)
        log.warning("precomputed arrays not written", index=str(index_dir), error=str(exc))
        return False
    finally:
        postings.close()
    return True
