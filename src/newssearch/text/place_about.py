"""Which of the places an article mentions it is *about*: a score per place from where and how it is named.

:mod:`newssearch.text.places` finds every mention (``mentioned``); this module weighs them. A mention counts for
its province (a district's counts for the district and for its province), and only when it is used as a
place where something happens:

- **Where it stands.** The headline weighs most, then a dateline (``HÀ TĨNH -`` at the start of the body),
  then the lead (the first sentences); every further mention adds a little (repetition).
- **How it is used.** A locative (``tại``, ``ở``, ``trên địa bàn``, ``thuộc``) adds weight. These count
  nothing: a residence or hometown (``trú``, ``ngụ``, ``quê``, ``địa chỉ``, ``(25 tuổi, Hà Nội)``), a
  destination or a route endpoint (``tới``, ``từ … đến``, ``Nội Bài - Vĩnh Yên``), a list of three places or
  more (or ``các tỉnh X, Y``), an example (``như``, ``so với``), the tail of an organisation's name
  (``Trường ĐH … Hà Nội``, ``Bệnh viện Phổi Đà Nẵng``, ``Công ty CP Enclave Phú Quốc``), a football club or
  stadium (and every bare mention of a name that the article also uses as a club), and Hà Nội as the venue
  of a meeting (``diễn ra tại Hà Nội``: national events are held there without being news about the city).
- **Decision.** A province is about the article when its score reaches a threshold and is close to the best
  score; when more than :data:`MAX_ABOUT` provinces qualify, the article is about a region or the country
  and gets none. A district needs a lower score of its own and its province among the chosen ones.

Pure: it sees tokens and the mentions :mod:`newssearch.text.places` found, nothing else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

from newssearch.text.analysis import exact_form

__all__ = ["MAX_ABOUT", "MAX_ABOUT_DISTRICTS", "Mention", "decide_about"]


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of a place: token span, province key, district label (``""`` for a province)."""

    start: int
    end: int
    province: str
    district: str
    typed: bool  # named with its type word ("tỉnh X", "huyện X") or an unambiguous alias


#: More provinces than this qualifying means the article is about a region or the whole country.
MAX_ABOUT: Final = 3
#: More districts than this qualifying means a list (electoral units, addresses): none is chosen.
MAX_ABOUT_DISTRICTS: Final = 4
_THRESHOLD: Final = 3.0  # a province: a headline mention, a lead mention with a locative, or three mentions
_DISTRICT_THRESHOLD: Final = 1.0  # one clean typed mention, or a bare name used twice
_RELATIVE: Final = 0.4  # a second province must score at least this share of the best one
_W_TITLE: Final = 3.0
_W_DATELINE: Final = 3.0
_W_LEAD: Final = 1.0
_W_LOCATIVE: Final = 1.0
_LEAD_TOKENS: Final = 45

# Words that end a clause when they sit in the gap before a token.
_CLAUSE_BREAKS: Final = frozenset('.;:!?()[]\n“”"')
_TYPE_WORDS: Final = frozenset({"tỉnh", "thành", "phố", "tp", "huyện", "quận", "thị", "xã", "tx", "q"})
_LOCATIVE: Final = frozenset({"tại", "ở", "thuộc"})
_LOCATIVE_2: Final = frozenset({("địa", "bàn"), ("khu", "vực")})
_RESIDENCE: Final = frozenset({"trú", "ngụ", "quê", "tuổi", "sn", "quán", "khẩu"})
_RESIDENCE_2: Final = frozenset(
    {("địa", "chỉ"), ("sinh", "sống"), ("đến", "từ"), ("xuất", "thân"), ("sinh", "ra"), ("nơi", "sinh")}
)
# Right before the name (type words skipped): a destination, an origin, a comparison or an example.
_MOTION: Final = frozenset({"tới", "đến", "từ", "sang", "ra", "vào", "như", "hơn", "với"})
_MOTION_2: Final = frozenset({("so", "với"), ("trở", "về"), ("quay", "về"), ("chẳng", "hạn")})
# Heads of an organisation's name: the place at the end of "Trường ĐH … Hà Nội" names the school, not news.
_ORG_1: Final = frozenset(
    {
        "trường", "đh", "đhqg", "cđ", "thpt", "thcs", "bv", "bvđk", "clb", "fc", "sân", "cđv", "ctcp",
        "viện", "báo", "đài", "khách", "hội", "quỹ", "hãng",
    }
)  # fmt: skip
_ORG_2: Final = frozenset(
    {
        ("đại", "học"), ("học", "viện"), ("cao", "đẳng"), ("bệnh", "viện"), ("công", "ty"), ("tập", "đoàn"),
        ("ngân", "hàng"), ("câu", "lạc"), ("nhà", "máy"), ("tổng", "công"), ("chi", "nhánh"),
        ("đội", "bóng"), ("khách", "sạn"), ("hiệp", "hội"), ("trung", "tâm"),
    }
)  # fmt: skip
# Lowercase words that end an organisation's name when read backwards from the place.
_ORG_STOP: Final = frozenset(
    {"tại", "ở", "về", "đến", "tới", "từ", "cho", "của", "với", "là", "trên", "trong", "thuộc", "có", "được"}
)
# Local authorities and public services named after their place: a local reference, not an organisation.
_LOCAL_1: Final = frozenset({"ubnd", "hđnd", "sở", "ttyt", "cdc", "ban", "phòng", "cục", "chi"})
_LOCAL_TYPES: Final = frozenset({"tỉnh", "huyện", "quận", "xã", "phố"})  # lowercase: "huyện X", "thành phố X"
_VENUE: Final = frozenset({"diễn", "tổ", "họp", "hội", "đăng"})  # "diễn ra", "tổ chức", "họp", "hội nghị"
_CAPITAL: Final = "thanhphohanoi"
_DASHES: Final = ("-", "–", "—")
_PLURAL: Final = frozenset({"các", "những", "nhiều", "hai", "ba", "bốn", "năm", "mấy"})
_LIST_JOINS: Final = frozenset({"và", "hoặc", "cùng", "với"})
_PERSON_WORDS: Final = frozenset(
    {
        "anh", "chị", "ông", "bà", "em", "bé", "cháu", "cụ", "bn", "nhân", "phụ", "sinh", "nam", "nữ",
        "tuổi",
    }
)  # fmt: skip


@functools.lru_cache(maxsize=1 << 14)
def _lower(token: str) -> str:
    return exact_form(token)


def _breaks(gap: str) -> bool:
    return any(ch in _CLAUSE_BREAKS for ch in gap)


def _clause_before(tokens: list[str], gaps: list[str], start: int, limit: int = 12) -> list[str]:
    """The lowercase exact forms of up to ``limit`` tokens before ``start`` in its clause, nearest first."""
    words: list[str] = []
    i = start
    while i > 0 and len(words) < limit and not _breaks(gaps[i]):
        i -= 1
        words.append(_lower(tokens[i]))
    return words


def _skip_types(words: list[str]) -> list[str]:
    """Drop the type words right before a name: ``tại tỉnh Hà Tĩnh`` reads as ``tại Hà Tĩnh``."""
    n = 0
    while n < len(words) and words[n] in _TYPE_WORDS:
        n += 1
    return words[n:]


def _has(words: list[str], singles: frozenset[str], pairs: frozenset[tuple[str, str]]) -> int:
    """Index (nearest first) of the first single word or word pair found in ``words``, or -1."""
    for n, word in enumerate(words):
        if word in singles:
            return n
        if n + 1 < len(words) and (words[n + 1], word) in pairs:
            return n
    return -1


def _organisation(tokens: list[str], gaps: list[str], start: int) -> bool:
    """Whether the place at ``start`` ends an organisation's name (read back to an org head word)."""
    if start and _lower(tokens[start - 1]) in _LOCAL_TYPES and tokens[start - 1].islower():
        return False  # "Trung tâm Y tế huyện Yên Thủy", "Sở Y tế tỉnh Hòa Bình": a local body
    i = start
    steps = 0
    while i > 0 and steps < 8:
        gap = gaps[i]
        if _breaks(gap) or "," in gap:
            return False
        i -= 1
        steps += 1
        word = _lower(tokens[i])
        if word in _ORG_1 or (i > 0 and (_lower(tokens[i - 1]), word) in _ORG_2):
            return True
        if word in _LOCAL_1 or (word in _ORG_STOP and not tokens[i][0].isupper()):
            return False
        if word in ("ủy", "an") and i > 0:  # "Tỉnh ủy", "Thành ủy", "Công an": local authorities
            return False
    return False


def _person_before(tokens: list[str], gaps: list[str], at: int) -> bool:
    """Whether the words right before token ``at`` name a person ("bà Nguyễn Thị Trang", "anh N.V.H")."""
    i = at - 1
    initials = True
    while i >= 0 and at - i <= 4 and tokens[i][0].isupper() and (i == at - 1 or not _breaks(gaps[i + 1])):
        initials = initials and len(tokens[i]) == 1
        i -= 1
    names = at - 1 - i
    if names and initials:
        return True  # "chị N.T (Bắc Ninh)", "C.T.P (33 tuổi, ...)"
    if i < 0 or (names and _breaks(gaps[i + 1])):
        return False
    return _lower(tokens[i]) in _PERSON_WORDS


def _score(
    m: Mention,
    tokens: list[str],
    gaps: list[str],
    title_tokens: int,
    lead: tuple[int, int],
    excluded: set[int],
    index: int,
    clubs: set[str],
) -> float:
    """What one mention says about its place; 0 when it is not used as a place where something happens."""
    if index in excluded or (m.province in clubs and not m.typed):
        return 0.0
    before = _clause_before(tokens, gaps, m.start)
    near = _skip_types(before)
    # The next word: "Hà Nội FC".
    if m.end < len(tokens) and _lower(tokens[m.end]) in ("fc", "club") and not _breaks(gaps[m.end]):
        return 0.0
    if _organisation(tokens, gaps, m.start):
        return 0.0
    if near and (near[0] in _MOTION or (len(near) > 1 and (near[1], near[0]) in _MOTION_2)):
        return 0.0
    residence = _has(near, _RESIDENCE, _RESIDENCE_2)
    locative = _has(near[:6], _LOCATIVE, _LOCATIVE_2)
    if residence >= 0 and (locative < 0 or residence <= locative + 1):
        return 0.0
    opening = m.start - len(before)  # first token of the clause; its gap holds the "(" of an apposition
    if "(" in gaps[opening] and _person_before(tokens, gaps, opening):
        return 0.0  # "bà Nguyễn Thị Trang (Yên Hòa, quận Cầu Giấy, Hà Nội)": where a person lives
    if m.district and not m.typed and "(" in gaps[opening]:
        return 0.0  # "52 Hàng Chiếu (Hoàn Kiếm)": an address
    if m.province == _CAPITAL and not m.district and locative >= 0 and any(w in _VENUE for w in before[locative:]):
        return 0.0  # "hội nghị diễn ra tại Hà Nội": the capital as the venue of a national event
    weight = 1.0 if m.typed or not m.district else 0.5
    if m.start < title_tokens:
        weight += _W_TITLE
    elif m.start == lead[0] and m.end < len(gaps) and gaps[m.end].strip() in _DASHES:
        weight += _W_DATELINE
    elif lead[0] <= m.start < lead[1]:
        weight += _W_LEAD
    if locative >= 0:
        weight += _W_LOCATIVE
    return weight


def _joined(tokens: list[str], gaps: list[str], a: Mention, b: Mention) -> str:
    """How mention ``b`` follows mention ``a``: ``"list"``, ``"route"`` or ``""``."""
    between = [_lower(t) for t in tokens[a.end : b.start]]
    while between and between[-1] in _TYPE_WORDS:
        between.pop()
    gap = gaps[a.end] if not between else ""
    if not between:
        stripped = gap.strip()
        if stripped in (",", ";", "/", ", và"):
            return "list"
        if stripped in _DASHES:
            return "route"
        return ""
    if len(between) == 1 and between[0] in _LIST_JOINS and not _breaks(gaps[a.end]):
        return "list"
    if len(between) == 1 and between[0] in ("đến", "tới") and not _breaks(gaps[a.end]):
        return "route"
    return ""


def _excluded(mentions: list[Mention], tokens: list[str], gaps: list[str], body_start: int) -> set[int]:
    """Indices of mentions inside lists of places or on routes."""
    out: set[int] = set()
    group: list[int] = []

    def close() -> None:
        if len(group) < 2:
            return
        units = {mentions[k].district or mentions[k].province for k in group}
        words = _clause_before(tokens, gaps, mentions[group[0]].start, 3)
        plural = any(w in _PLURAL for w in words) or (bool(words) and words[0][:1].isdigit())
        if len(units) >= 3 or (len(units) == 2 and plural):
            out.update(group)

    for k in range(len(mentions)):
        if k:
            a, b = mentions[k - 1], mentions[k]
            how = _joined(tokens, gaps, a, b)
            hierarchy = a.district and not b.district and a.province == b.province
            if how == "route" and a.province != b.province and not hierarchy:
                out.update((k - 1, k))
            if how == "list" and not hierarchy and not (b.district and b.province == a.province and not a.district):
                group.append(k)
                continue
            if how == "list" and hierarchy:
                continue  # "huyện Yên Thủy, Hòa Bình": the district's own province continues the same place
            close()
        group = [k]
    close()
    # "Nội Bài - Vĩnh Yên": a place joined by a dash to another capitalised name is a route endpoint
    # (a dateline "HÀ TĨNH - ..." at the start of the body is not).
    for k, m in enumerate(mentions):
        after = gaps[m.end].strip() if m.end < len(gaps) else ""
        before = gaps[m.start].strip()
        if m.start == body_start or m.start == 0:
            continue
        dash_after = after in _DASHES and m.end < len(tokens) and tokens[m.end][0].isupper()
        if dash_after or (before in _DASHES and tokens[m.start - 1][0].isupper()):
            out.add(k)
    return out


def decide_about(
    mentions: list[Mention],
    tokens: list[str],
    gaps: list[str],
    *,
    title_tokens: int,
    body_start: int,
    accepted: set[str],
    clubs: set[str],
) -> tuple[list[str], list[str]]:
    """Province keys and district labels the article is about, best first.

    ``body_start`` is the index of the first body token not repeating the headline (the lead starts there);
    ``accepted`` are the provinces tagged as mentioned (``about`` is always a subset of them).
    """
    mentions = sorted((m for m in mentions if m.province in accepted), key=lambda m: (m.start, m.district == ""))
    # Drop mentions inside the body's copy of the headline: they were counted as the headline.
    mentions = [m for m in mentions if m.start < title_tokens or m.start >= body_start]
    if not mentions:
        return [], []
    excluded = _excluded(mentions, tokens, gaps, body_start)
    lead = (body_start, body_start + _LEAD_TOKENS)
    province_score: dict[str, float] = {}
    district_score: dict[str, float] = {}
    district_province: dict[str, str] = {}
    seen_span: set[tuple[int, str]] = set()
    for k, m in enumerate(mentions):
        weight = _score(m, tokens, gaps, title_tokens, lead, excluded, k, clubs)
        if m.district:
            district_score[m.district] = district_score.get(m.district, 0.0) + weight
            district_province[m.district] = m.province
        if (m.start, m.province) in seen_span:
            continue  # a bare name read as two districts, or a district and a province at once
        seen_span.add((m.start, m.province))
        previous = mentions[k - 1] if k else None
        if (
            previous is not None
            and not m.district
            and previous.district
            and previous.province == m.province
            and (_joined(tokens, gaps, previous, m) == "list" or "(" in gaps[m.start])
        ):
            continue  # "huyện Yên Thành, Nghệ An": one place, already counted through its district
        province_score[m.province] = province_score.get(m.province, 0.0) + weight
    if not province_score:
        return [], []
    best = max(province_score.values())
    chosen = [
        key
        for key, score in sorted(province_score.items(), key=lambda item: -item[1])
        if score >= _THRESHOLD and score >= _RELATIVE * best
    ]
    if len(chosen) > MAX_ABOUT:
        return [], []
    districts = [
        label
        for label, score in sorted(district_score.items(), key=lambda item: -item[1])
        if score >= _DISTRICT_THRESHOLD and district_province[label] in chosen
    ]
    if len(districts) > MAX_ABOUT_DISTRICTS:
        districts = []
    return chosen, districts
