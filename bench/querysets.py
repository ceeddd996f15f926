"""Build known-item query sets from the VietNews corpus, the way the development set is built.

Each query targets one sampled article; its qid is ``<article id>:<kind>``. The kinds of the development
set (``shared/eval/dev/README.md``) are reproduced exactly (checked against that set):

| kind | how the query is typed |
|---|---|
| ``exact`` | the headline as published |
| ``noaccent`` | the headline without diacritics, lowercase (unidecode) |
| ``nfd`` | the headline in Unicode NFD |
| ``keywords`` | the four longest syllables of the headline, in order, without diacritics |
| ``tone`` | the headline with old/new tone placement swapped in one word (only headlines that have one) |

Two further kinds mimic how newsroom staff look for an article they half remember:

| kind | how the query is typed |
|---|---|
| ``abstract-words`` | 3-5 distinctive syllables of the abstract (the lede) not in the headline, in order, |
| | without diacritics (typed on a phone or a keyboard without a Vietnamese input method) |
| ``fragment`` | 3-5 consecutive words of the headline, lowercase, with diacritics (a remembered phrase) |

"Distinctive": what people remember of a lede is names and rare words. Syllables of words capitalised
mid-sentence (names) come first, then the others by document frequency over titles and abstracts (rarest
first, seen in at least 2 articles so not a segmentation artefact); 3-5 of the best 6 are drawn at random.

Sampled articles have a unique headline, abstract and body; qrels still list, for every query, every
article that shares the target's (case-folded) headline, abstract or body.

Output (``bench/out/`` is git-ignored: the text is research use only and must never be committed):
``queries.tsv``, ``qrels``, ``manifest.json`` and, with ``--limit N``, ``corpus-first<N>.jsonl.gz`` (the
first N articles plus every article the qrels name).

Run: ``python bench/querysets.py --help``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from unidecode import unidecode

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "vietnews.jsonl.gz"  # ../shared
OUT = Path(__file__).resolve().parent / "out"

DEV_KINDS = ("exact", "noaccent", "nfd", "keywords", "tone")
NEWSROOM_KINDS = ("abstract-words", "fragment")
KIND_SETS: dict[str, tuple[str, ...]] = {
    "dev": DEV_KINDS,
    "newsroom": NEWSROOM_KINDS,
    "all": DEV_KINDS + NEWSROOM_KINDS,
}

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook above, dot below
WORD = re.compile(r"\w+")
ASCII_SYLLABLE = re.compile(r"[a-z]+")
CANDIDATES = 6
NAME_OR_STOP = re.compile(r"[^\W\d_]+|[.!?:;“”\"()\[\]]")
MIN_DF = 2


# ----------------------------------------------------------------------------------------- query typing


def noaccent(text: str) -> str:
    """Text without diacritics, lowercase (what a phone without a Vietnamese keyboard produces)."""
    return unidecode(text).lower()


def nfd(text: str) -> str:
    """Text in Unicode NFD."""
    return unicodedata.normalize("NFD", text)


def syllables(text: str) -> list[str]:
    """Unaccented lowercase alphabetic syllables of ``text`` (numbers and punctuation dropped)."""
    return ASCII_SYLLABLE.findall(noaccent(text))


def keywords(title: str, n: int = 4) -> str:
    """The ``n`` longest syllables of ``title`` (ties: first ones), in order, without diacritics."""
    toks = syllables(title)
    chosen = sorted(range(len(toks)), key=lambda i: (-len(toks[i]), i))[:n]
    return " ".join(toks[i] for i in sorted(chosen))


def _split_tone(word: str) -> tuple[str, str, int]:
    """Return ``word`` without its tone mark (NFC), the mark ('' if none) and the toned letter's index."""
    letters: list[str] = []
    tone, where = "", -1
    for i, ch in enumerate(word):
        decomposed = unicodedata.normalize("NFD", ch)
        marks = [m for m in decomposed[1:] if m in TONE_MARKS]
        if marks:
            tone, where = marks[0], i
            decomposed = decomposed[0] + "".join(m for m in decomposed[1:] if m not in TONE_MARKS)
        letters.append(unicodedata.normalize("NFC", decomposed))
    return "".join(letters), tone, where


def swap_tone(word: str) -> str | None:
    """Move the tone mark of an open ``oa``/``oe``/``uy`` syllable to the other vowel (hoá <-> hóa).

    Returns None when the word has no such alternative spelling (``qu-`` words, closed syllables, no tone).
    """
    base, tone, where = _split_tone(word)
    low = base.lower()
    if not tone or low[-2:] not in ("oa", "oe", "uy") or low.startswith("qu"):
        return None
    last = len(base) - 1
    if where not in (last - 1, last):
        return None
    target = last - 1 if where == last else last
    chars = list(base)
    chars[target] = unicodedata.normalize("NFC", chars[target] + tone)
    return "".join(chars)


def tone_variant(title: str, rng: random.Random) -> str | None:
    """``title`` with the tone placement swapped in one word chosen at random, or None if no word has one."""
    options = [(m, swapped) for m in WORD.finditer(title) if (swapped := swap_tone(m.group()))]
    if not options:
        return None
    match, swapped = rng.choice(options)
    return title[: match.start()] + swapped + title[match.end() :]


def _marked_syllables(text: str) -> list[tuple[str, bool]]:
    """Unaccented syllables of ``text``, each with whether its word is capitalised mid-sentence (a name)."""
    marked: list[tuple[str, bool]] = []
    sentence_start = True
    for match in NAME_OR_STOP.finditer(text):
        word = match.group()
        if not word[0].isalpha():
            sentence_start = True
            continue
        is_name = word[0].isupper() and not sentence_start
        marked.extend((syl, is_name) for syl in syllables(word))
        sentence_start = False
    return marked


def abstract_words(title: str, abstract: str, df: Counter[str], rng: random.Random) -> str | None:
    """3-5 distinctive syllables of the abstract that are not in the title, in abstract order, unaccented.

    Candidates are ranked names first (words capitalised mid-sentence), then by document frequency; 3-5 of
    the best :data:`CANDIDATES` are drawn.
    """
    in_title = set(syllables(title))
    rank: dict[str, tuple[bool, int, int]] = {}
    for position, (syl, is_name) in enumerate(_marked_syllables(abstract)):
        if len(syl) >= 2 and syl not in in_title and df[syl] >= MIN_DF and syl not in rank:
            rank[syl] = (not is_name, df[syl], position)
    if len(rank) < 3:
        return None
    candidates = sorted(rank, key=rank.__getitem__)[:CANDIDATES]
    chosen = rng.sample(candidates, min(rng.choice((3, 4, 5)), len(candidates)))
    return " ".join(sorted(chosen, key=lambda syl: rank[syl][2]))


def fragment(title: str, rng: random.Random) -> str | None:
    """3-5 consecutive words of ``title`` (not the whole of it), lowercase, with diacritics."""
    words = WORD.findall(title.lower())
    if len(words) < 4:
        return None
    length = min(rng.choice((3, 4, 5)), len(words) - 1)
    start = rng.randrange(len(words) - length + 1)
    return " ".join(words[start : start + length])


# ----------------------------------------------------------------------------------------------- corpus


def iter_lines(path: Path) -> Iterator[str]:
    """Lines of a gzip-compressed JSON Lines file."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        yield from handle


def title_key(title: str) -> str:
    """Key under which two headlines count as the same: NFC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", title).casefold().split())


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=10).digest()


@dataclass
class Corpus:
    """What sampling needs of the corpus, kept small: ids, titles, abstracts, digests, frequencies."""

    ids: list[str]
    titles: list[str]
    abstracts: list[str]
    abstract_digests: list[bytes]
    body_digests: list[bytes]
    by_title: dict[str, list[int]]
    by_abstract: dict[bytes, list[int]]
    by_body: dict[bytes, list[int]]
    df: Counter[str]

    @classmethod
    def load(cls, path: Path) -> Corpus:
        """Read the corpus once."""
        corpus = cls([], [], [], [], [], {}, {}, {}, Counter())
        for i, line in enumerate(iter_lines(path)):
            doc: dict[str, Any] = json.loads(line)
            title, abstract = str(doc.get("title") or ""), str(doc.get("abstract") or "")
            abstract_digest = _digest(title_key(abstract))
            body_digest = _digest(str(doc.get("body") or ""))
            corpus.ids.append(str(doc["id"]))
            corpus.titles.append(title)
            corpus.abstracts.append(abstract)
            corpus.abstract_digests.append(abstract_digest)
            corpus.body_digests.append(body_digest)
            corpus.by_title.setdefault(title_key(title), []).append(i)
            corpus.by_abstract.setdefault(abstract_digest, []).append(i)
            corpus.by_body.setdefault(body_digest, []).append(i)
            corpus.df.update(set(syllables(title)) | set(syllables(abstract)))
        return corpus

    def copies(self, i: int) -> set[int]:
        """Articles sharing article ``i``'s headline, abstract or body (``i`` included)."""
        return (
            set(self.by_title[title_key(self.titles[i])])
            | set(self.by_abstract[self.abstract_digests[i]])
            | set(self.by_body[self.body_digests[i]])
        )

    def unique(self, i: int) -> bool:
        """True when no other article shares article ``i``'s headline, abstract or body."""
        return self.copies(i) == {i}


# ---------------------------------------------------------------------------------------------- queries


def make_queries(corpus: Corpus, i: int, kinds: tuple[str, ...], seed: int) -> dict[str, str] | None:
    """Every query of ``kinds`` for article ``i``, or None when the article cannot give one of them.

    ``tone`` is the exception: it is left out for headlines without a word to swap, as in the dev set.
    Each article has its own random stream, so its queries do not depend on which others were drawn.
    """
    title, abstract = corpus.titles[i], corpus.abstracts[i]
    if len(syllables(title)) < 4 or not corpus.unique(i):
        return None
    rng = random.Random(f"{seed}:{corpus.ids[i]}")
    typed = {
        "exact": title,
        "noaccent": noaccent(title),
        "nfd": nfd(title),
        "keywords": keywords(title),
        "tone": tone_variant(title, rng),
        "abstract-words": abstract_words(title, abstract, corpus.df, rng),
        "fragment": fragment(title, rng),
    }
    queries: dict[str, str] = {}
    for kind in kinds:
        text = typed[kind]
        if text is None and kind != "tone":
            return None
        if text is not None:
            queries[kind] = " ".join(text.split())  # one line, as typed into a search box
    return queries


def sample(corpus: Corpus, n: int, kinds: tuple[str, ...], seed: int) -> list[tuple[int, dict[str, str]]]:
    """Draw ``n`` articles at random (fixed ``seed``) among those that can give every kind."""
    order = list(range(len(corpus.ids)))
    random.Random(seed).shuffle(order)
    drawn: list[tuple[int, dict[str, str]]] = []
    for i in order:
        queries = make_queries(corpus, i, kinds, seed)
        if queries is not None:
            drawn.append((i, queries))
            if len(drawn) == n:
                break
    return sorted(drawn)


def resolve_kinds(spec: str) -> tuple[str, tuple[str, ...]]:
    """Name and kinds of a kind set: a name from KIND_SETS or a comma-separated list of kinds."""
    if spec in KIND_SETS:
        return spec, KIND_SETS[spec]
    kinds = tuple(k.strip() for k in spec.split(",") if k.strip())
    unknown = [k for k in kinds if k not in KIND_SETS["all"]]
    if unknown or not kinds:
        raise typer.BadParameter(f"unknown kinds {unknown}; choose from {', '.join(KIND_SETS['all'])}")
    return "+".join(kinds), kinds


def write_subset(source: Path, target: Path, limit: int, keep: set[str]) -> int:
    """Copy the first ``limit`` articles of ``source`` and every article in ``keep`` to ``target``."""
    written = 0
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for i, line in enumerate(iter_lines(source)):
            if i < limit or json.loads(line)["id"] in keep:
                out.write(line)
                written += 1
    return written


app = typer.Typer(add_completion=False, help=__doc__.split("\n\n")[0] if __doc__ else None)


@app.command()
def main(
    corpus_path: Annotated[Path, typer.Option("--corpus", help="VietNews jsonl.gz")] = CORPUS,
    kinds_spec: Annotated[
        str, typer.Option("--kinds", help="dev, newsroom, all, or a comma-separated list of kinds")
    ] = "all",
    size: Annotated[int, typer.Option("--sample", min=1, help="number of target articles")] = 300,
    seed: Annotated[int, typer.Option(help="random seed")] = 20240601,
    out: Annotated[Path | None, typer.Option(help="output folder [default: bench/out/vietnews-<kind-set>/]")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="also write a corpus of the first N articles plus the targets")
    ] = None,
) -> None:
    """Sample known-item targets and write queries.tsv and qrels (and a corpus subset with --limit)."""
    name, kinds = resolve_kinds(kinds_spec)
    out = out or OUT / f"vietnews-{name}"
    out.mkdir(parents=True, exist_ok=True)
    typer.echo(f"reading {corpus_path} ...", err=True)
    corpus = Corpus.load(corpus_path)
    drawn = sample(corpus, size, kinds, seed)
    if len(drawn) < size:
        typer.echo(f"only {len(drawn)} articles can give every kind", err=True)

    per_kind: Counter[str] = Counter()
    relevant_ids: set[str] = set()
    with (
        open(out / "queries.tsv", "w", encoding="utf-8") as queries_file,
        open(out / "qrels", "w", encoding="utf-8") as qrels_file,
    ):
        for i, queries in drawn:
            relevant = sorted(corpus.ids[j] for j in corpus.copies(i))
            relevant_ids.update(relevant)
            for kind, text in queries.items():
                qid = f"{corpus.ids[i]}:{kind}"
                per_kind[kind] += 1
                queries_file.write(f"{qid}\t{text}\n")
                qrels_file.writelines(f"{qid} 0 {docid} 1\n" for docid in relevant)

    manifest: dict[str, Any] = {
        "corpus": str(corpus_path),
        "articles": len(corpus.ids),
        "kinds": list(kinds),
        "seed": seed,
        "targets": len(drawn),
        "queries": dict(per_kind),
    }
    if limit is not None:
        subset = out / f"corpus-first{limit}.jsonl.gz"
        manifest["subset"] = {
            "path": subset.name,
            "articles": write_subset(corpus_path, subset, limit, relevant_ids),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    typer.echo(json.dumps({"out": str(out), **manifest}, ensure_ascii=False))


if __name__ == "__main__":
    app()
