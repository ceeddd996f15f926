"""The two ways of choosing a snippet's window, per hit, by the query's number of distinct syllables.

``engine/snippets.py`` slides the window for a query of up to ``SLIDING_WORDS`` distinct syllables (it stops at
the first window nothing can beat, reading the text lazily) and scores every window at once with prefix counts for
a longer one (a pasted lead reads its first 200 occurrences in full). This measures both on the hits real searches
return: the distinct query stream of ``bench/scaling.py`` (headlines, short names, pasted leads, the mix's texts)
is searched once, each hit's body and query kept, and each body's window is then chosen both ways, timed and
compared (they must agree: a disagreement is printed and makes the exit status 1).

Run: ``python bench/snippet_windows.py --index bench/out/span150k/ix`` (the corpus defaults to
``../shared/corpus/vietnews.jsonl.gz``, whose articles make the stream). Prints one row per band of syllables.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Annotated

import typer

from bench import DEFAULT_CORPUS
from newssearch import Archive, Settings
from newssearch.engine import search as search_module
from newssearch.engine.search import SearchRequest
from newssearch.engine.snippets import (
    MAX_SCAN_CHARS,
    SLIDING_WORDS,
    QueryTerms,
    _counted_window_start,
    _sliding_window_start,
    _snippet_query,
)
from scaling import distinct_queries

#: Syllables per band of the table.
BAND = 3


def hits_of(index: Path, queries: list[str]) -> list[tuple[str, QueryTerms]]:
    """Each hit's body and the query's terms, as the search hands them to ``snippet``."""
    kept: list[tuple[str, QueryTerms]] = []
    original = search_module.snippet

    def keep(text: str, terms: QueryTerms, max_chars: int = 240) -> str:
        kept.append((text, terms))
        return original(text, terms, max_chars)

    search_module.snippet = keep  # type: ignore[assignment]
    try:
        with Archive.open(Settings(index_dir=index, search_budget_ms=600_000)) as archive:
            for query in queries:
                archive.search(SearchRequest(q=query, size=10))
    finally:
        search_module.snippet = original
    return kept


def main(
    index: Annotated[Path, typer.Option(help="Index root to search.")],
    corpus: Annotated[Path, typer.Option(help="Corpus the distinct queries are made from.")] = DEFAULT_CORPUS,
    rounds: Annotated[int, typer.Option(min=1, help="Times each hit's window is chosen each way.")] = 2,
) -> None:
    hits = hits_of(index, distinct_queries(corpus))
    spent: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    disagreements = 0
    for _ in range(rounds):
        for text, terms in hits:
            query, body = _snippet_query(terms), text[:MAX_SCAN_CHARS]
            band = len(query.words) // BAND * BAND
            started = time.perf_counter()
            slid = _sliding_window_start(body, query, 240)
            between = time.perf_counter()
            counted = _counted_window_start(body, query, 240)
            ended = time.perf_counter()
            disagreements += slid != counted
            spent[band][0] += between - started
            spent[band][1] += ended - between
            spent[band][2] += 1
    print(f"{len(hits)} hits, {rounds} rounds; sliding is used up to {SLIDING_WORDS} distinct syllables")
    print("syllables  hits   sliding ms  counted ms")
    for band in sorted(spent):
        slide, count, n = spent[band]
        print(f"{band:3d}–{band + BAND - 1:<3d} {n // rounds:7d}   {slide / n * 1000:9.3f}  {count / n * 1000:9.3f}")
    if disagreements:
        print(f"DISAGREE: {disagreements} windows")
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
