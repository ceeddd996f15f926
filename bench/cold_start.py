"""The first queries after the service starts on an index none of whose pages are in memory (issue 19).

The morning after a reboot, or after another job filled the page cache, every page a search needs comes from the
disk. This empties the page cache first (``sync`` and ``/proc/sys/vm/drop_caches``, which needs root; without it
the run says so and measures with whatever is cached), starts ``newssearch serve`` (1 worker), and times
``/readyz`` (the worker runs its warming searches before it says ready) and then each of the committed mix's
texts once, in order: the first query, and the first ``--queries`` as a stream.

Prints one JSON object; nothing is asserted. Run:
``python bench/cold_start.py --index bench/out/rb150k/ix`` (the index of ``bench.py`` or ``scaling.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from bench import Service
from load import read_mix
from scaling import summary

app = typer.Typer(add_completion=False)

DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def drop_page_cache() -> bool:
    """Write dirty pages out and drop the clean ones (page cache, dentries, inodes); False if not allowed."""
    subprocess.run(["sync"], check=True)
    try:
        DROP_CACHES.write_text("3\n")
    except OSError:
        return False
    return True


def cached_mb() -> float:
    """The kernel's page cache now (``Cached`` of ``/proc/meminfo``), in MB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Cached:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@app.command()
def main(
    index: Annotated[Path, typer.Option(help="The index to serve.")],
    queries: Annotated[int, typer.Option(min=1, help="Distinct mix texts sent after the first query.")] = 30,
    keep_cache: Annotated[bool, typer.Option(help="Do not empty the page cache (a warm start, to compare).")] = False,
) -> None:
    mix = [query for query in read_mix() if query.q]
    texts = list(dict.fromkeys(query.q for query in mix))[: queries + 1]
    dropped = False if keep_cache else drop_page_cache()
    result: dict[str, Any] = {
        "index": str(index),
        "page_cache_dropped": dropped,
        "cached_mb_before_start": round(cached_mb()),
    }
    if not keep_cache and not dropped:
        result["note"] = f"could not write {DROP_CACHES} (needs root): measured with the page cache as it was"
    service = Service(index, 1, Path(os.devnull))
    try:
        service.start(mix[0])  # times /readyz and one /search: the mix's first query
        result["ready_s"] = round(service.ready_s or 0.0, 2)
        result["first_query"] = mix[0].q
        result["first_query_ms"] = round(service.first_search_ms or 0.0, 1)
        timings = []
        with httpx.Client(base_url=service.url, timeout=120) as client:
            for text in texts[1:]:
                begun = time.perf_counter()
                client.get("/search", params={"q": text}).raise_for_status()
                timings.append((time.perf_counter() - begun) * 1000)
        result["next_queries"] = summary(timings)
        result["cached_mb_after"] = round(cached_mb())
    finally:
        service.stop()
    typer.echo(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    app()
