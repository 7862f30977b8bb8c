"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def require_dot() -> str:
    """Path of graphviz's ``dot`` binary.

    Skips the test when ``dot`` is missing, unless ``AUTODIFF_REQUIRE_DOT=1`` is set (as
    ``.ci/run`` does), in which case the test fails.
    """
    path = shutil.which("dot")
    if path is None:
        if os.environ.get("AUTODIFF_REQUIRE_DOT") == "1":
            pytest.fail("graphviz 'dot' binary not found but AUTODIFF_REQUIRE_DOT=1; "
                        "install it with: sudo apt-get install -y graphviz")
        pytest.skip("graphviz 'dot' binary not found (install graphviz to run this test)")
    return path
