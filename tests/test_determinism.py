"""The same query over the same index ranks the same in every process (Python salts string hashes per process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newssearch.index.indexer import IndexStats

#: A pasted lead without diacritics full of abbreviations: more adjacent pairs of their alternatives than a search
#: reads (64), the 64th being one of "cua ubnd" and "cua uy" (ban): which one was read depended on the order of a set
#: of strings, so on the process (checked: this test failed with that code).
LEAD = (
    "ubnd tp ha noi hop voi ubnd tp.hcm va ubnd tx ky anh, ubnd tinh ha tinh, ubnd tp da nang, ubnd tx ky anh, "
    "ubnd tp hue cua ubnd tinh"
)

SCRIPT = """
import hashlib, sys
from pathlib import Path
import numpy as np
from newssearch import Archive, Settings
from newssearch.engine.querylang import parse_query
from newssearch.engine.expand import expand_query
from newssearch.engine.scoring import evaluate_query
with Archive.open(Settings(index_dir=Path(sys.argv[1]))) as archive:
    with archive._pool.view() as (view, _):
        parsed = expand_query(parse_query(sys.argv[2]), archive.abbreviations, view.known)
        found = evaluate_query(view, parsed, None)
        print(hashlib.sha256(found.scores.tobytes() + found.mask.tobytes()).hexdigest())
"""


def _scores_digest(index: Path, seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(index), LEAD], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_a_long_query_scores_the_same_whatever_the_string_hashing(bundled_index: tuple[Path, IndexStats]) -> None:
    digests = {_scores_digest(bundled_index[0], seed) for seed in ("1", "2", "3", "4")}
    assert len(digests) == 1
