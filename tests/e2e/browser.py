"""What every browser test module starts with: skip without Chromium or Playwright, Playwright's ``expect``, and the
seed article the page tests look for. Import it before anything from Playwright (a plain module, not a conftest)."""

from __future__ import annotations

import shutil

import pytest

from support import SEED_ID

if shutil.which("chromium") is None:
    pytest.skip("chromium is not installed (run 'make browser' or 'apt-get install chromium')", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect

SEED_TITLE = "Nỗ lực xây dựng thị xã Kỳ Anh sớm trở thành thành phố trực thuộc tỉnh Hà Tĩnh"

__all__ = ["SEED_ID", "SEED_TITLE", "expect"]
