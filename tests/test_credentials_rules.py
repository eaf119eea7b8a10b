"""Which token goes where: explicit tokens everywhere routed, the stored login only to Hugging Face hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from easyllm_shim._config.credentials import Credentials
from easyllm_shim._config.hub import is_hf_host


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://router.huggingface.co/hf-inference/models/x/y", True),
        ("https://huggingface.co", True),
        ("https://abc123.us-east-1.aws.endpoints.huggingface.cloud", True),
        ("https://huggingface.co/api", True),
        # Issue 15: anyone can create a Space, and plain http can be read on the way.
        ("https://someone-space.hf.space", False),
        ("http://router.huggingface.co/v1", False),
        ("http://huggingface.co", False),
        ("http://127.0.0.1:8080", False),
        ("https://tgi.internal.example.com", False),
        ("https://huggingface.co.evil.example", False),
    ],
)
def test_hugging_face_hosts(url: str, expected: bool) -> None:
    assert is_hf_host(url) is expected


def test_an_explicit_token_goes_to_every_routed_endpoint() -> None:
    credentials = Credentials("hf_explicit")
    assert credentials.token_for("http://127.0.0.1:8080") == "hf_explicit"
    assert credentials.token_for("https://router.huggingface.co/hf-inference/models") == "hf_explicit"


def test_the_stored_login_goes_only_to_hugging_face(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("hf_stored_login")
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "token"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    credentials = Credentials(None)

    assert credentials.token_for("http://127.0.0.1:8080") is None
    assert credentials.token_for("https://router.huggingface.co/hf-inference/models") == "hf_stored_login"


def test_the_stored_login_can_be_turned_off() -> None:
    assert Credentials(None, stored_login=False).token_for("https://huggingface.co") is None
