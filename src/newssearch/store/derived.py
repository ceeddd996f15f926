"""Per-generation data the engine derives from the stored articles, written by the indexer and read by every worker.

The completion vocabulary (``/suggest``) counts the names and headline words of every article: about 20 s of one
core at 150,703 articles, reading each stored headline and lede. Every worker did that on its first ``/suggest``
after a start and again after each nightly switch, in a thread that took the interpreter from the searches it
served meanwhile. It depends only on the generation, so the indexer derives it once, before the switch, and writes
it beside the generation (listed in its manifest, verified with the rest); a worker then reads one small file.

Like :mod:`newssearch.store.dense`, this module knows nothing of what the data means: the engine names it and says
how it is made (a :class:`DerivedRecipe`, whose ``recipe`` string changes with whatever changes the data). A file
made by another recipe, or for other segments (a nightly run hard-links the files it does not change into the new
generation), is not read; without a usable file the engine derives the data itself, with the same result.

The file is gzip'd JSON Lines: a header line (version, documents, segments, recipe), then the data on one line, so
that a check reads only the header.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newssearch.logs import get_logger
from newssearch.store.dense import Signature, generation_signature, made_for
from newssearch.store.view import IndexView

__all__ = ["DerivedRecipe", "derived_path", "ensure_derived", "lacks_derived", "read_derived"]

log = get_logger("derived")

VERSION = 1
SUFFIX = ".json.gz"


@dataclass(frozen=True)
class DerivedRecipe:
    """How the engine derives one file's data from a generation: ``make`` returns it (JSON-able) from a view of the
    generation's articles; ``recipe`` names the code and settings that make it; ``name`` is the file's stem."""

    name: str
    recipe: str
    make: Callable[[IndexView], Any]


def derived_path(index_dir: Path, recipe: DerivedRecipe) -> Path:
    return index_dir / f"{recipe.name}{SUFFIX}"


def _header(path: Path) -> dict[str, Any] | None:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            header = json.loads(handle.readline())
    except (OSError, ValueError, EOFError, zlib.error):
        return None
    return header if isinstance(header, dict) else None


def read_derived(index_dir: Path, recipe: DerivedRecipe, signature: Signature, docs: int) -> Any | None:
    """The data ``recipe`` derived for this generation (whose segments are ``signature``); ``None`` when there is
    no file, or it was made for other segments or by other code, or it is damaged."""
    path = derived_path(index_dir, recipe)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            if not made_for(json.loads(handle.readline()), VERSION, signature, docs, recipe.recipe):
                return None
            return json.loads(handle.readline())
    except (OSError, ValueError, EOFError, zlib.error):
        return None


def lacks_derived(index_dir: Path, recipe: DerivedRecipe) -> bool:
    """Whether the generation in ``index_dir`` lacks a usable file of ``recipe`` (made by it, for its segments)."""
    header = _header(derived_path(index_dir, recipe))
    if header is None or header.get("recipe") != recipe.recipe:
        return True
    return not made_for(header, VERSION, *generation_signature(index_dir), recipe.recipe)


def ensure_derived(index_dir: Path, recipe: DerivedRecipe) -> bool:
    """Write the generation's file of ``recipe`` unless it has a usable one; whether a file was written.

    Derived data: a failure is logged and leaves the generation without the file (workers then derive the data)."""
    from newssearch.store.pool import LentView
    from newssearch.store.postings import PostingCache
    from newssearch.store.schema import open_index

    if not lacks_derived(index_dir, recipe):
        return False
    path = derived_path(index_dir, recipe)
    tmp = path.with_name(path.name + ".tmp")
    index = open_index(index_dir)
    postings = PostingCache(index, columnar=False)  # live documents and stored articles are all it reads
    try:
        with index.searcher() as searcher:
            data = recipe.make(LentView(postings, searcher))
        header = {
            "version": VERSION,
            "docs": postings.doc_count_all,
            "segments": postings.signature,
            "recipe": recipe.recipe,
        }
        path.unlink(missing_ok=True)  # a hard link to the previous generation's: never written through
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as handle:
            handle.write(json.dumps(header) + "\n")
            handle.write(json.dumps(data, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except Exception as exc:  # derived data, whatever went wrong: the run goes on without it
        path.unlink(missing_ok=True)
        log.warning("derived file not written", index=str(index_dir), name=recipe.name, error=repr(exc))
        return False
    finally:
        tmp.unlink(missing_ok=True)
        postings.close()
    return True
