"""A parsed query with the other ways to write its words added as alternatives (``a OR b``).

Abbreviations (``TP.HCM`` and ``Thành phố Hồ Chí Minh``), ``i``/``y`` and ``d``/``gi`` spellings, and Telex/VNI
keystrokes, from :mod:`newssearch.text.variants`. What was typed always stays one of the alternatives.
"""

from __future__ import annotations

from newssearch.engine.querylang import Clause, ParsedQuery
from newssearch.text.analysis import exact_form, fold, syllables
from newssearch.text.variants import Abbreviations, Known, decode_keystrokes, spelling_variants

__all__ = ["expand_query"]


def expand_query(
    parsed: ParsedQuery, abbreviations: Abbreviations, known: Known, *, keystrokes: bool = False
) -> ParsedQuery:
    """The query with alternatives added to its groups; what was typed always stays one of them."""
    groups: list[list[Clause]] = []
    index = 0
    # Each one-clause group's syllables folded, once: abbreviation forms are looked up from every group, up to
    # the longest form's length ahead (a pasted lead folded each word about 30 times).
    folded = [tuple(map(fold, g[0].syllables)) if len(g) == 1 and g[0].field is None else None for g in parsed.groups]
    while index < len(parsed.groups):
        merged = _abbreviation_at(parsed, index, folded, abbreviations)
        if merged is not None:
            group, index = merged
            groups.append(group)
            continue
        group = list(parsed.groups[index])
        for clause in parsed.groups[index]:
            if clause.field is not None or clause.phrase or len(clause.syllables) != 1:
                continue
            word = clause.syllables[0]
            alternatives = spelling_variants(word, known)
            if keystrokes and not known(fold(word)):
                decoded = decode_keystrokes(word)
                if decoded and all(known(fold(s)) for s in syllables(decoded)):
                    alternatives.append(exact_form(decoded))
            group += [Clause((alt,)) for alt in dict.fromkeys(alternatives) if alt != word]
        groups.append(group)
        index += 1
    return ParsedQuery(groups=groups, excluded=parsed.excluded)


def _abbreviation_at(
    parsed: ParsedQuery,
    start: int,
    folded: list[tuple[str, ...] | None],
    abbreviations: Abbreviations,
) -> tuple[list[Clause], int] | None:
    """The longest abbreviation form starting at group ``start``, as one group of all its equivalents
    (``folded``: each group's syllables folded, ``None`` for a group that is not one plain clause)."""
    for length in range(min(abbreviations.longest, len(parsed.groups) - start), 0, -1):
        window = parsed.groups[start : start + length]
        parts = folded[start : start + length]
        if any(part is None for part in parts):
            continue
        words = tuple(s for part in parts if part is not None for s in part)
        forms = abbreviations.lookup(words)
        if forms is None:
            continue
        typed = tuple(s for g in window for s in g[0].syllables)
        # The form typed must match all its syllables (the bigram scores reward them standing together); a form
        # added must stand together (:mod:`newssearch.engine.scoring`).
        alternatives = [Clause(typed)]
        alternatives += [Clause(form, expansion=True) for form in forms if tuple(map(fold, form)) != words]
        return alternatives, start + length
    return None
