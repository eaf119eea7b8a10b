"""The public surface is small and pinned: everything else is `_private`."""

from __future__ import annotations

import easyllm_shim
import easyllm_shim.testing


def test_the_package_exports_exactly_its_public_names() -> None:
    assert easyllm_shim.__all__ == ["ConfigError", "__version__", "is_hub_model", "is_patched", "patch", "unpatch"]
    assert all(hasattr(easyllm_shim, name) for name in easyllm_shim.__all__)


def test_the_testing_package_exports_the_server_and_its_records() -> None:
    assert easyllm_shim.testing.__all__ == ["OpenAICompatibleServer", "RecordedRequest", "TGIServer"]
