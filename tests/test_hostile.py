"""Hostile queries replayed through the real app: every answer is a 200 or a 4xx with a JSON body, never a 5xx.

The corpus is ``bench/hostile_queries.jsonl``, read by ``bench/hostile_corpus.py`` (shared with the benchmarks).
How fast each one is answered is measured by ``bench/hostile.py``, not asserted here.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hostile_corpus import HostileRequest, load_hostile

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
