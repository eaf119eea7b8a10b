"""Which model ids route to Hugging Face: the Hub's `owner/name` shape (with the router's `:provider`
suffix, if any), nothing else."""

from __future__ import annotations

import pytest

from easyllm_shim import is_hub_model


@pytest.mark.parametrize(
    "model",
    ["meta-llama/Llama-2-70b-chat-hf", "mistralai/Mistral-7B-Instruct-v0.2", "Qwen/Qwen2.5-7B-Instruct",
     "openai/gpt-oss-20b", "a/b", "org/name.with.dots", "o/" + "x" * 96,
     "meta-llama/Llama-3.1-8B-Instruct:novita", "meta-llama/Llama-3.1-8B-Instruct:fastest"],
)  # fmt: skip
def test_hub_repo_ids_route(model: str) -> None:
    assert is_hub_model(model)


@pytest.mark.parametrize(
    "model",
    ["gpt-4o", "gpt-4o-mini", "o3", "ft:gpt-4o-mini:org:custom:abc123", "my-azure-deployment", "",
     "a/b/c", "org/na--me", "org/na..me", "-org/name", "org/name-", "org/", "/name",
     "meta-llama/Llama-3.1-8B-Instruct:", "a/b:-x", "o/" + "x" * 97],
)  # fmt: skip
def test_everything_else_passes_through(model: str) -> None:
    assert not is_hub_model(model)
