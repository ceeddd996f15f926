"""Read a newsroom's article files into validated :class:`Article` records.

Two layouts are read, recursively under each corpus root:

* ``.txt`` in the seed's layout: a first line ``date YYYY-MM[-DD] <title>`` (leading space allowed), then body
  paragraphs; a short last line is the byline. The id is the path relative to the corpus root.
* ``.jsonl`` and ``.jsonl.gz``: one JSON article per line with ``id``, ``title``, ``body`` and optional ``date``,
  ``category``, ``url``, ``source``, ``author``, ``abstract``.

Anything that cannot be read (bad UTF-8, bad JSON, a date like ``2022-13``, an empty body, NUL bytes, a gigantic
document) becomes a :class:`Problem` naming its path and line; the caller reports and counts it, and reading goes
on. Text is returned in NFC, which is what the index stores and what highlight offsets refer to.

Archives older than Unicode are read, not skipped (issue 20, :mod:`newssearch.text.legacy`): a file or line that is
not UTF-8 is decoded as the legacy encoding that reads as Vietnamese, and font text inside UTF-8 is converted; each
such article comes with a ``converted`` :class:`Problem` saying how it was read. Invisible characters are dropped.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from newssearch.text.dates import InvalidDate, parse_date
from newssearch.text.legacy import UTF16, LegacyDecodeError, convert_font_text, decode_legacy
from newssearch.text.orthography import strip_invisible

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_ID_CHARS",
    "Article",
    "CorpusError",
    "Problem",
    "ProblemKind",
    "corpus_files",
    "read_corpus",
    "read_file",
]

#: Longer bodies are quarantined: no news article is this long, and highlighting one would be slow.
MAX_BODY_CHARS = 500_000
#: Bounds of the other stored fields (a longer one quarantines the article, as a long body does): every field is
#: shown, highlighted or analysed somewhere, and a 50-million-character title cost seconds per search.
MAX_FIELD_CHARS = {"title": 1_000, "abstract": 10_000, "url": 2_000, "category": 200, "source": 200, "author": 500}
#: What an id may be: 1 to 256 characters, none of them a control, format (bidi override, zero-width), surrogate,
#: private-use or line/paragraph separator, or whitespace other than the plain space; no empty, ``.`` or ``..``
#: path segment (so ``a//b``, ``/a`` and ``../x`` are refused); not ending in ``/related`` (that is the related
#: route). Every such id can be fetched as ``/articles/<id, percent-encoded>``.
MAX_ID_CHARS = 256
_ID_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_TEXT_FIELDS = ("title", "body", "category", "url", "source", "author", "abstract")
_DATE_LINE_RE = re.compile(r"^\s*date\s+(\S+)\s*(.*)$")
_BYLINE_MAX_WORDS = 5


class CorpusError(ValueError):
    """One article or file that cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as the index stores it. ``date`` is ``YYYY-MM-DD``, ``YYYY-MM`` or ``None``."""

    id: str
    title: str
    body: str
    date: str | None = None
    category: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    abstract: str | None = None
    path: str = ""
    #: The line of a ``.jsonl`` file it was read from (1 for a ``.txt`` file).
    line: int | None = None

    def content_hash(self) -> str:
        """A hash of everything the index keeps, to tell a changed article from an unchanged one."""
        fields = asdict(self)
        fields.pop("path")
        fields.pop("line")
        return hashlib.blake2b(json.dumps(fields, sort_keys=True).encode(), digest_size=16).hexdigest()


#: ``unreadable``: a file or line that cannot be read as an article; ``missing``: a corpus root that is not there;
#: ``duplicate``: a second article with an id already read (the first is kept); ``converted`` (issue 20): not a
#: skip but a note, an article that was read from a legacy encoding or font and indexed, so a newsroom can fix its
#: archive (:class:`~newssearch.index.plan.ChangePlan` keeps these apart from the problems).
ProblemKind = Literal["unreadable", "missing", "duplicate", "converted"]


@dataclass(frozen=True, slots=True)
class Problem:
    """An article or file that was skipped, and why; or (``kind`` ``converted``) one that was read from a legacy
    encoding or font and indexed."""

    path: str
    line: int | None
    reason: str
    kind: ProblemKind = "unreadable"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


def _clean_text(value: Any, field: str, notes: list[str] | None = None) -> str | None:
    """NFC text with whitespace trimmed; refuses what would break search (NUL, lone surrogates, non-strings).

    Legacy-font text (TCVN3, VNI-Windows) is converted, with a line in ``notes``, before invisible characters go
    (TCVN3 writes ``ư`` with the soft hyphen's byte).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise CorpusError(f"field {field!r} must be a string, not {type(value).__name__}")
    if "\x00" in value:
        raise CorpusError(f"field {field!r} contains a NUL byte")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CorpusError(f"field {field!r} contains a lone surrogate (invalid Unicode)") from None
    text = unicodedata.normalize("NFC", value)
    # Issue 20: font text converted; zero-width joiners and soft hyphens dropped, so stored text is clean and
    # highlight offsets hold.
    if (converted := convert_font_text(text)) is not None:
        text, font = converted
        if notes is not None:
            notes.append(f"field {field!r} read as {font}")
    text = strip_invisible(text).strip()
    return text or None


def _check_id(article_id: str) -> str:
    """The id if it is one an article may have (see :data:`MAX_ID_CHARS`), else :class:`CorpusError` saying why."""
    if len(article_id) > MAX_ID_CHARS:
        raise CorpusError(f"id of {len(article_id)} characters exceeds {MAX_ID_CHARS}")
    for char in article_id:
        if unicodedata.category(char) in _ID_FORBIDDEN_CATEGORIES or (char.isspace() and char != " "):
            raise CorpusError(f"id {article_id!r} contains the character U+{ord(char):04X}")
    if any(segment in ("", ".", "..") for segment in article_id.split("/")):
        raise CorpusError(f"id {article_id!r} has an empty, '.' or '..' path segment")
    if article_id.endswith("/related"):
        raise CorpusError(f"id {article_id!r} ends in '/related'")
    return article_id


def _make_article(
    record: dict[str, Any], path: str, notes: list[str] | None = None, line: int | None = None
) -> Article:
    """Validate one record into an :class:`Article`, raising :class:`CorpusError` with the reason.

    A field read from legacy-font text adds a line to ``notes``.
    """
    article_id = record.get("id")
    if not isinstance(article_id, str | int) or str(article_id).strip() == "":
        raise CorpusError("missing 'id'")
    fields = {name: _clean_text(record.get(name), name, notes) for name in _TEXT_FIELDS}
    if not fields["body"]:
        raise CorpusError("empty body")
    if len(fields["body"] or "") > MAX_BODY_CHARS:
        raise CorpusError(f"body of {len(fields['body'] or '')} characters exceeds {MAX_BODY_CHARS}")
    for name, limit in MAX_FIELD_CHARS.items():
        if len(fields[name] or "") > limit:
            raise CorpusError(f"{name} of {len(fields[name] or '')} characters exceeds {limit}")
    try:
        date = parse_date(record.get("date"))
    except InvalidDate as exc:
        raise CorpusError(str(exc)) from None
    title = fields.pop("title") or (fields["body"] or "").split("\n", 1)[0][:200]
    body = fields.pop("body") or ""
    return Article(
        id=_check_id(str(article_id).strip()),
        title=title,
        body=body,
        date=date,
        path=path,
        line=line,
        **fields,
    )


def _split_byline(lines: list[str]) -> tuple[list[str], str | None]:
    """A short last line without sentence punctuation is the byline (the seed's ``Thu Trang``)."""
    if len(lines) < 2:
        return lines, None
    last = lines[-1]
    if len(last.split()) <= _BYLINE_MAX_WORDS and not re.search(r"[.!?:;…,\d]", last):
        return lines[:-1], last
    return lines, None


def _decode(data: bytes, notes: list[str]) -> str:
    """UTF-8 (a BOM allowed); else the legacy encoding that reads as Vietnamese, noted (issue 20)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            decoded = decode_legacy(data)
        except LegacyDecodeError as legacy:
            raise CorpusError(f"{legacy} (invalid UTF-8: {exc.reason} at byte {exc.start})") from None
        notes.append(f"read as {decoded.encoding}")
        return decoded.text


def _read_txt(path: Path, root: Path, notes: list[str]) -> Article:
    """Read one seed-layout ``.txt`` article; a legacy encoding or font read adds a line to ``notes``."""
    text = _decode(path.read_bytes(), notes)
    lines = [line.strip() for line in text.splitlines()]
    first = next((line for line in lines if line), "")
    match = _DATE_LINE_RE.match(first)
    if not match:
        raise CorpusError("first line must be 'date YYYY-MM[-DD] <title>'")
    paragraphs, author = _split_byline([line for line in lines[lines.index(first) + 1 :] if line])
    record = {
        "id": path.relative_to(root).as_posix(),
        "title": match[2],
        "body": "\n".join(paragraphs),
        "date": match[1],
        "author": author,
    }
    return _make_article(record, str(path), notes, 1)


def _lines(handle: Any, notes: list[str]) -> Iterator[bytes]:
    """The file's lines as UTF-8 bytes; a UTF-16 file (told by its BOM) is decoded whole first (issue 20)."""
    head = handle.read(2)
    if head not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        yield head + handle.readline()
        yield from handle
        return
    try:
        text = (head + handle.read()).decode("utf-16")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"not valid UTF-16 despite its byte-order mark ({exc.reason})") from None
    notes.append(f"read as {UTF16}")
    yield from (line.encode() for line in text.splitlines())


def _read_jsonl(path: Path) -> Iterator[Article | Problem]:
    """Read a ``.jsonl``/``.jsonl.gz`` file line by line; a bad line is a :class:`Problem`, the rest go on."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            file_notes: list[str] = []
            for number, raw in enumerate(_lines(handle, file_notes), start=1):
                yield from (Problem(str(path), None, note, "converted") for note in file_notes)
                file_notes.clear()
                if not raw.strip():
                    continue
                notes: list[str] = []
                try:
                    record = json.loads(_decode(raw, notes))
                    if not isinstance(record, dict):
                        raise CorpusError("line is not a JSON object")
                    yield _make_article(record, str(path), notes, number)
                    yield from (Problem(str(path), number, note, "converted") for note in notes)
                except json.JSONDecodeError as exc:
                    yield Problem(str(path), number, f"bad JSON: {exc.msg} at column {exc.colno}")
                except CorpusError as exc:
                    yield Problem(str(path), number, str(exc))
    except (OSError, EOFError) as exc:
        yield Problem(str(path), None, f"cannot read file: {exc}")
    except CorpusError as exc:  # a UTF-16 file that does not decode (it is read whole)
        yield Problem(str(path), None, str(exc))


def corpus_files(roots: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """Every readable article file under the roots, as ``(root, file)``, in a stable order."""
    for root in roots:
        if root.is_file():
            yield root.parent, root
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.name.endswith((".txt", ".jsonl", ".jsonl.gz")):
                yield root, path


def read_file(root: Path, path: Path) -> Iterator[Article | Problem]:
    """The articles of one file, with a :class:`Problem` for each one that cannot be read."""
    if path.name.endswith(".txt"):
        notes: list[str] = []
        try:
            yield _read_txt(path, root, notes)
            yield from (Problem(str(path), None, note, "converted") for note in notes)
        except CorpusError as exc:
            yield Problem(str(path), 1, str(exc))
        except OSError as exc:
            yield Problem(str(path), None, f"cannot read file: {exc}")
    else:
        yield from _read_jsonl(path)


def read_corpus(roots: Iterable[Path]) -> Iterator[Article | Problem]:
    """All articles under the corpus roots, and a :class:`Problem` for each file or line that was skipped."""
    for root in roots:
        if not root.exists():
            yield Problem(str(root), None, "no such file or folder", "missing")
            continue
        for folder, path in corpus_files([root]):
            yield from read_file(folder, path)
