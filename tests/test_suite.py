"""The test suite itself: green on a busy machine (issue 15, "CI")."""

from __future__ import annotations

from hypothesis import settings


def test_property_tests_have_no_wall_clock_deadline() -> None:
    assert settings().deadline is None  # a test's own settings inherit the loaded profile
