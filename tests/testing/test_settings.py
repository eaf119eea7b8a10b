"""The fixed settings: /info's body and the system fingerprint."""

from __future__ import annotations

from easyllm_shim.testing.tgi._settings import Settings
from easyllm_shim.testing.tgi._validation import Limits


def test_info_and_fingerprint() -> None:
    settings = Settings("m", "3.3.6-dev0", Limits(2, 4, 5, 10, 20, grammar_support=True), 4, None)
    assert settings.system_fingerprint == "3.3.6-dev0-native"
    info = settings.info()
    assert list(info)[:3] == ["model_id", "model_sha", "model_pipeline_tag"]
    assert (info["max_input_tokens"], info["max_total_tokens"], info["router"]) == (10, 20, "text-generation-router")
