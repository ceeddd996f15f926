"""Is this generation usable? One answer, for the service, ``index --check`` and the indexer.

A generation is usable when its manifest passes the cheap check (:func:`~newssearch.store.generations.verify_manifest`),
Whoosh opens it, it holds the document count the manifest (or the indexer) expects, and a probe query answers.
When the files look whole but the index does not open (ambiguous), the full checksums say why. Readers open the
newest usable generation and list the ones passed over, so a generation damaged by lost writes is skipped for the
one before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from whoosh.index import Index
from whoosh.query import Every

from newssearch.store import generations
from newssearch.store.generations import Generation
from newssearch.store.schema import open_index

__all__ = ["GenerationUnusable", "IndexNotReady", "VerifiedGeneration", "open_generation", "open_verified"]


class IndexNotReady(RuntimeError):
    """There is no usable index yet (missing, empty, or not yet built); ``rejected`` says what was passed over."""

    def __init__(self, message: str, rejected: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.rejected = rejected


class GenerationUnusable(RuntimeError):
    """A generation that does not open, or holds other than the documents expected; the message says why."""


@dataclass
class VerifiedGeneration:
    """A generation that passed every check, opened, with the newer ones passed over and why."""

    generation: Generation
    index: Index
    documents: int
    rejected: tuple[str, ...] = ()


def open_generation(gen: Generation, expected: int | None) -> tuple[Index, int]:
    """Open ``gen`` with Whoosh and check it: ``expected`` documents (when given) and a probe query that answers."""
    index = open_index(gen.path)
    with index.searcher() as searcher:
        documents = int(searcher.doc_count())
        if expected is not None and documents != expected:
            raise GenerationUnusable(f"{gen.name}: {documents} documents, the manifest records {expected}")
        if documents and not searcher.search(Every(), limit=1):
            raise GenerationUnusable(f"{gen.name}: a probe query found nothing")
    return index, documents


def open_verified(root: Path, damaged: Mapping[str, str] | None = None) -> VerifiedGeneration:
    """The newest usable generation under ``root``; :class:`IndexNotReady` when none is.

    ``damaged`` names generations already found damaged while served (name → what is wrong): they are passed over
    even when their cheap check passes.
    """
    rejected: list[str] = []
    for gen in generations.candidate_generations(root):
        problem = (damaged or {}).get(gen.name) or generations.verify_manifest(gen, checksums=False)
        if problem is None:
            try:
                index, documents = open_generation(gen, generations.manifest_info(gen).get("documents"))
            except Exception as exc:  # damaged in a way the cheap check cannot see: the checksums decide
                problem = generations.verify_manifest(gen, checksums=True)
                if problem is None and isinstance(exc, GenerationUnusable):
                    problem = str(exc)
                problem = problem or f"{gen.name}: cannot read the index ({type(exc).__name__}: {exc})"
            else:
                return VerifiedGeneration(gen, index, documents, tuple(rejected))
        rejected.append(problem)
    if rejected:
        raise IndexNotReady(f"no generation at {root} verifies: {'; '.join(rejected)}", tuple(rejected))
    raise IndexNotReady(f"no index at {root}: run 'newssearch index' first")
