"""The user query language, parsed without Whoosh's query parser.

What a newsroom user types: plain words (every word should matter), ``"exact phrase"``, ``-exclude`` (also
``-"a phrase"``; a minus excludes only before a letter or a quote, so model names and numbers such as ``B -2``,
``F -22`` or ``-5 độ`` stay searched words), ``OR`` between two terms or phrases, and ``title:`` / ``place:`` /
``author:`` (the byline) before a word or a quoted phrase.

Nothing here can fail: an unbalanced quote runs to the end of the query, parentheses and stray operators are
just text, and anything that is not a syllable is dropped by the analysis later. There is no wildcard, fuzzy or
range syntax, so no query can expand into millions of terms. The parser is a single linear scan, so its cost
grows with the length of the query, not its square.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from newssearch.text.analysis import syllables

__all__ = ["Clause", "ParsedQuery", "limit_syllables", "parse_query"]

FIELDS = ("title", "place", "author")
_TOKEN_RE = re.compile(r'(-(?=[^\W\d_]|"))?(?:(title|place|author):)?(?:"([^"]*)"?|(\S+))', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Clause:
    """One unit of the query: a word (maybe several syllables, like ``TP.HCM``: all must match) or a quoted phrase."""

    syllables: tuple[str, ...]
    phrase: bool = False
    field: str | None = None
    #: Added by the system (an abbreviation's other forms), not typed: it finds articles but earns no exact-
    #: diacritic bonus and scores less (:data:`~newssearch.engine.ranking.EXPANSION`), so the words typed rank first.
    expansion: bool = False

    def __str__(self) -> str:
        text = " ".join(self.syllables)
        if self.phrase:
            text = f'"{text}"'
        elif len(self.syllables) > 1:
            text = "/".join(self.syllables)  # glued, as typed (``TP.HCM``): reads back as one clause
        return f"{self.field}:{text}" if self.field else text


@dataclass(slots=True)
class ParsedQuery:
    """Groups are ANDed; the clauses of a group are alternatives (``OR``). Excluded clauses must not match."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def positive_clauses(self) -> list[Clause]:
        return [clause for group in self.groups for clause in group]

    def __str__(self) -> str:
        parts = [" OR ".join(str(c) for c in group) for group in self.groups]
        parts += [f"-{c}" for c in self.excluded]
        return " ".join(parts)


#: Typographic quotes (as phones and word processors type them) read as straight double quotes.
_QUOTES = str.maketrans({c: '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033"})


def parse_query(text: str) -> ParsedQuery:
    """Parse a user query; never raises."""
    text = text.translate(_QUOTES)
    parsed = ParsedQuery()
    join_next = False
    for match in _TOKEN_RE.finditer(text):
        negated, field_name, quoted, bare = match.groups()
        if bare is not None and bare == "OR" and not negated and not field_name:
            join_next = bool(parsed.groups)
            continue
        words = syllables(quoted if quoted is not None else bare or "")
        if not words:
            continue
        clause = Clause(tuple(words), phrase=quoted is not None, field=field_name.lower() if field_name else None)
        if negated:
            parsed.excluded.append(clause)
        elif join_next:
            parsed.groups[-1].append(clause)
        elif quoted is None and field_name is None and len(words) > 1:
            # ``TP.HCM`` or ``02-NQ/ThU``: syllables glued by punctuation must all match; standing together
            # is rewarded by the bigram scores (a positional phrase check would be slow for such common pairs).
            parsed.groups.append([Clause(tuple(words))])
        else:
            parsed.groups.append([clause])
        join_next = False
    return parsed


def limit_syllables(parsed: ParsedQuery, limit: int) -> ParsedQuery:
    """The query with repeated words dropped and at most ``limit`` syllables, the first ones typed.

    Every syllable costs posting lookups; a pasted paragraph or a run like ``1.2.3.4…`` (one glued clause of
    hundreds of syllables) took over a second on 150,000 articles.
    """
    budget = limit

    def take(clause: Clause) -> Clause | None:
        nonlocal budget
        if budget <= 0:
            return None
        if len(clause.syllables) > budget:
            clause = dataclasses.replace(clause, syllables=clause.syllables[:budget])
        budget -= len(clause.syllables)
        return clause

    kept = ParsedQuery()
    seen: set[tuple[Clause, ...]] = set()
    for group in parsed.groups:
        if tuple(group) in seen:
            continue
        seen.add(tuple(group))
        clauses = [c for c in (take(clause) for clause in group) if c is not None]
        if clauses:
            kept.groups.append(clauses)
    for clause in dict.fromkeys(parsed.excluded):
        if (taken := take(clause)) is not None:
            kept.excluded.append(taken)
    return kept
