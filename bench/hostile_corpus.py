"""The hostile query corpus (``hostile_queries.jsonl``), read for the tests (``tests/test_hostile.py``) and the
benchmarks (``hostile.py``, ``load.py``): one JSON object a line, so NUL, newlines and lone combining marks can be
written down. ``{"q": ...}`` searches for ``q``; ``{"params": {...}}`` sends those ``/search`` parameters;
``{"path": ...}`` requests that raw path; ``"repeat": n`` repeats ``q`` n times; ``"note"`` says what it tries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOSTILE = Path(__file__).with_name("hostile_queries.jsonl")


@dataclass(frozen=True)
class HostileRequest:
    note: str
    path: str
    params: dict[str, Any]


def load_hostile(path: Path = HOSTILE) -> list[HostileRequest]:
    """The corpus as requests to send (``GET path?params``)."""
    requests = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        params: dict[str, Any] = dict(entry.get("params", {}))
        if "q" in entry:
            params["q"] = entry["q"]
        if "repeat" in entry:
            params["q"] = params["q"] * entry["repeat"]
        requests.append(HostileRequest(entry["note"], entry.get("path", "/search"), params))
    return requests
