"""Score the place tagger against hand-labelled "about" places, and time it.

Reads ``eval/dev/places-about.jsonl`` (gold: the provinces and districts each article is *about*; rules in
``places-about.md`` beside it) and the articles from ``corpus/unc.jsonl.gz``, both under ``--shared``. For
provinces and districts it gives micro precision/recall/F1 of ``about`` (``PlaceTags.about_*``) and of
``mentioned`` (``PlaceTags.provinces``/``districts``: what ``tag_places`` tagged before issue 16), then lists
every article where ``about`` differs from the gold. ``--speed`` also times ``tag_places`` over the whole UNC
file (articles/s, one warm-up pass, best of ``--repeat``).

Gold uses the short legacy names ("Huế" for Thừa Thiên Huế); the tagger's are mapped to them before scoring.

Run: ``python bench/places_about.py [--shared ../shared] [--gold FILE] [--speed] [--json]``.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from newssearch.text.places import PlaceTags, tag_places

REPO = Path(__file__).resolve().parent.parent
_GOLD_NAMES = {"Thừa Thiên Huế": "Huế"}


def _gold_name(name: str) -> str:
    """Our label → the gold's spelling (province name, or the province part of a district label)."""
    head, sep, province = name.rpartition(", ")
    if sep:
        return f"{head}, {_GOLD_NAMES.get(province, province)}"
    return _GOLD_NAMES.get(name, name)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, gold: Iterable[str], got: Iterable[str]) -> tuple[set[str], set[str]]:
        g, t = set(gold), {_gold_name(x) for x in got}
        self.tp += len(g & t)
        self.fp += len(t - g)
        self.fn += len(g - t)
        return t - g, g - t

    def figures(self) -> dict[str, float | int]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": p, "recall": r, "f1": f}


def _articles(path: Path) -> dict[str, dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return {a["id"]: a for a in map(json.loads, lines)}


def _tags(article: dict[str, Any]) -> PlaceTags:
    return tag_places(article["title"], article["body"], article.get("date"))


def _speed(articles: list[dict[str, Any]], repeat: int) -> float:
    for article in articles:  # warm-up: the gazetteer and the token caches
        _tags(article)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for article in articles:
            _tags(article)
        best = min(best, time.perf_counter() - started)
    return len(articles) / best


def main(
    shared: Annotated[Path, typer.Option(help="The shared material folder.")] = REPO.parent / "shared",
    gold: Annotated[Path | None, typer.Option(help="Gold JSONL; default: SHARED/eval/dev/places-about.jsonl.")] = None,
    speed: Annotated[bool, typer.Option(help="Also time tag_places over every UNC article.")] = False,
    repeat: Annotated[int, typer.Option(min=1, help="Timed passes for --speed (best is reported).")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    gold_path = gold or shared / "eval" / "dev" / "places-about.jsonl"
    articles = _articles(shared / "corpus" / "unc.jsonl.gz")
    rows = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = {
        name: Counts() for name in ("about provinces", "about districts", "mentioned provinces", "mentioned districts")
    }
    errors: list[str] = []
    for row in rows:
        tags = _tags(articles[row["id"]])
        fp, fn = counts["about provinces"].add(row["provinces"], tags.about_provinces)
        dfp, dfn = counts["about districts"].add(row["districts"], tags.about_districts)
        counts["mentioned provinces"].add(row["provinces"], tags.provinces)
        counts["mentioned districts"].add(row["districts"], tags.districts)
        if fp or fn or dfp or dfn:
            parts = [f"+{x}" for x in sorted(fp | dfp)] + [f"-{x}" for x in sorted(fn | dfn)]
            errors.append(f"{row['id']}: {'; '.join(parts)}  (mentioned: {', '.join(tags.provinces) or '—'})")
    result: dict[str, Any] = {"articles": len(rows), **{k: v.figures() for k, v in counts.items()}}
    if speed:
        result["articles_per_second"] = round(_speed(list(articles.values()), repeat))
    result["errors"] = errors
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{len(rows)} articles ({gold_path})")
    typer.echo(f"{'':22} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6}")
    for name, c in counts.items():
        f = c.figures()
        counts_text = f"{f['tp']:>4} {f['fp']:>4} {f['fn']:>4}"
        typer.echo(f"{name:22} {counts_text} {f['precision']:>6.3f} {f['recall']:>6.3f} {f['f1']:>6.3f}")
    if speed:
        typer.echo(f"tag_places: {result['articles_per_second']} articles/s over {len(articles)} UNC articles")
    typer.echo(f"\nabout errors ({len(errors)} articles; + wrong tag, - missed tag):")
    for line in errors:
        typer.echo(f"  {line}")


if __name__ == "__main__":
    typer.run(main)
