"""Hostile queries replayed through the real app: every answer is a 200 or a 4xx with a JSON body, never a 5xx.

The corpus is ``tests/hostile_queries.jsonl``, one JSON object a line (so NUL, newlines and lone combining marks
can be written down): ``{"q": ...}`` searches for ``q``; ``{"params": {...}}`` sends those ``/search``
parameters; ``{"path": ...}`` requests that raw path; ``"repeat": n`` repeats ``q`` n times (a 120 kB query
need not be 120 kB of file); ``"note"`` says what the line tries. How fast each one is answered is measured
by ``bench/hostile.py``, not asserted here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

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


CASES = load_hostile()


def test_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 60
    assert len({case.note for case in CASES}) == len(CASES), "notes name the cases: keep them unique"


@pytest.mark.parametrize("case", CASES, ids=[case.note for case in CASES])
def test_hostile_request_gets_a_json_answer_not_a_server_error(client: TestClient, case: HostileRequest) -> None:
    response = client.get(case.path, params=case.params or None)
    assert response.status_code == 200 or 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body, dict)
    if response.status_code == 200:
        assert {"total", "hits", "match"} <= body.keys()
    else:
        assert "detail" in body
