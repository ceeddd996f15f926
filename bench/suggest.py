"""Time ``/suggest`` (issue 18): suggestions while typing, every prefix of typical queries, as staff type them.

For each index: how long the vocabulary takes to read (``build_vocabulary``, once per generation, in the
service's background) and how many entries it has; then the latency of every prefix of :data:`TYPED` (one
request per keystroke, the way the page asks) through the HTTP app (Starlette's in-process ``TestClient``:
routing, validation, JSON) and through ``Archive.suggest`` alone. One warm-up pass, then ``--passes`` timed.

Run: ``python bench/suggest.py --index corpus-index --index <index of the first 20,000 VietNews lines> [--passes 5]``.
The indexes are opened read-only (nothing is written to them).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Annotated

import typer
from fastapi.testclient import TestClient

from newssearch.archive import Archive
from newssearch.config import Settings
from newssearch.engine.complete import build_vocabulary
from newssearch.service.api import create_app

#: What staff type: names, places, bylines, common words, with and without diacritics, and a slip or two.
TYPED = [
    "ha tinh",
    "Hà Tĩnh",
    "nguyen xuan phuc",
    "nguyễn phú trọng",
    "thu trang",
    "kinh te",
    "giáo dục",
    "sai gon",
    "da nang",
    "ho chi minh",
    "covid",
    "tin ha tinh",
    "bo y te",
    "xyzq",
]


def prefixes(texts: list[str]) -> list[str]:
    return [text[:n] for text in texts for n in range(1, len(text) + 1) if text[:n].strip()]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(index: Path, passes: int) -> None:
    typed = prefixes(TYPED)
    settings = Settings(index_dir=index)
    with Archive.open(settings) as archive:
        with archive._pool.view() as (view, opened):  # the engine part alone
            started = time.perf_counter()
            vocabulary = build_vocabulary(view, opened.attached)
            build_s = time.perf_counter() - started
            documents = view.doc_count
        print(f"\n## {index} ({documents:,} articles)")
        print(f"vocabulary: {len(vocabulary):,} entries, read in {build_s:.2f} s")
        while archive.suggest("a").partial:  # the service's own background read
            time.sleep(0.1)
        engine_ms: list[float] = []
        for run in range(passes + 1):
            for text in typed:
                started = time.perf_counter()
                archive.suggest(text, 8)
                if run:
                    engine_ms.append((time.perf_counter() - started) * 1000)
    with TestClient(create_app(settings)) as client:
        while client.get("/suggest", params={"q": "a"}).json()["partial"]:
            time.sleep(0.1)
        http_ms: list[float] = []
        for run in range(passes + 1):
            for text in typed:
                started = time.perf_counter()
                response = client.get("/suggest", params={"q": text, "size": 8})
                if run:
                    http_ms.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
        examples = {text: client.get("/suggest", params={"q": text, "size": 3}).json() for text in TYPED[:6]}
    print(f"{len(typed)} prefixes × {passes} passes = {len(http_ms)} timed requests each way")
    print("| path | p50 ms | p95 ms | max ms |\n|---|---|---|---|")
    for name, values in (("GET /suggest (TestClient)", http_ms), ("Archive.suggest", engine_ms)):
        print(f"| {name} | {statistics.median(values):.2f} | {percentile(values, 0.95):.2f} | {max(values):.2f} |")
    for text, answer in examples.items():
        print(f"- `{text}` → {', '.join(s['text'] for s in answer['suggestions']) or '(none)'}")


def main(
    index: Annotated[list[Path], typer.Option(help="Index roots (read-only); repeat for several.")],
    passes: Annotated[int, typer.Option(help="Timed passes over every prefix.")] = 5,
) -> None:
    for root in index:
        measure(root, passes)


if __name__ == "__main__":
    typer.run(main)
