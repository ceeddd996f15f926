"""Searches right after the first keystroke of the day (issue 19): the completion vocabulary is read meanwhile.

The search page asks ``/suggest`` as staff type, so the first keystroke after a start (or a nightly switch) makes
the worker read its completion vocabulary, in a background thread beside the searches that follow. This starts
``newssearch serve`` (1 worker) twice on the same index: once sending the stream of distinct queries
(:func:`scaling.distinct_queries`, each once) right after ``/readyz``, once sending one ``/suggest`` first, then the
same stream, asking ``/suggest`` again after each search to see when its answer is whole (``partial`` false).

Prints one JSON object: each run's stream p50 / p90 / p95 / max, the searches answered while the vocabulary was
being read, and when it was whole. Nothing is asserted. Run:
``python bench/suggest_start.py --index bench/out/rb3/ix`` (the corpus: ``../shared/corpus/vietnews.jsonl.gz``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from bench import DEFAULT_CORPUS, Service
from load import read_mix
from scaling import distinct_queries, summary

app = typer.Typer(add_completion=False)


def _stream(index: Path, queries: list[str], typing_first: bool) -> dict[str, Any]:
    mix = [query for query in read_mix() if query.q]
    service = Service(index, 1, Path(os.devnull))
    result: dict[str, Any] = {"suggest_first": typing_first}
    try:
        service.start(mix[0])
        timings: list[float] = []
        while_reading: list[float] = []
        with httpx.Client(base_url=service.url, timeout=120) as client:
            typed = time.perf_counter()
            whole_after: float | None = None
            if typing_first:
                client.get("/suggest", params={"q": "ha ti"}).raise_for_status()
            for text in queries:
                begun = time.perf_counter()
                client.get("/search", params={"q": text}).raise_for_status()
                took = (time.perf_counter() - begun) * 1000
                timings.append(took)
                if typing_first and whole_after is None:
                    while_reading.append(took)
                    if not client.get("/suggest", params={"q": "nguyen xu"}).json()["partial"]:
                        whole_after = time.perf_counter() - typed
        result["stream"] = summary(timings)
        if typing_first:
            result["vocabulary_whole_after_s"] = None if whole_after is None else round(whole_after, 2)
            result["searches_while_reading"] = summary(while_reading) if while_reading else None
    finally:
        service.stop()
    return result


@app.command()
def main(
    index: Annotated[Path, typer.Option(help="The index to serve.")],
    corpus: Annotated[Path, typer.Option(help="Corpus the distinct queries are drawn from.")] = DEFAULT_CORPUS,
) -> None:
    queries = distinct_queries(corpus)
    runs = [_stream(index, queries, typing_first=False), _stream(index, queries, typing_first=True)]
    typer.echo(json.dumps({"index": str(index), "queries": len(queries), "runs": runs}, indent=1))


if __name__ == "__main__":
    app()
