"""0.28's keyword arguments, sorted into the OpenAI request body and the call's own options."""

from __future__ import annotations

from typing import Any

import pytest

from easyllm_shim._module_api.arguments import Arguments

from .sdk0 import openai0

MESSAGES = [{"role": "user", "content": "Hi"}]
CHAT = "/chat/completions"


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"model": "m/x", "messages": MESSAGES}, {"model": "m/x", "messages": MESSAGES}),
        (
            {"model": "m/x", "messages": MESSAGES, "temperature": 0.1, "stream": True, "n": 2, "stop": ["\n"]},
            {"model": "m/x", "messages": MESSAGES, "temperature": 0.1, "stream": True, "n": 2, "stop": ["\n"]},
        ),
        (
            {
                "model": "m/x",
                "messages": MESSAGES,
                "api_key": "sk-k",
                "api_base": "http://b",
                "api_type": "open_ai",
                "api_version": "v",
                "organization": "o",
                "request_id": "r",
                "request_timeout": 5,
                "timeout": 9,
                "headers": {"h": "v"},
                "engine": "e",
                "deployment_id": "d",
            },
            {"model": "m/x", "messages": MESSAGES},
        ),
    ],
)
def test_only_request_fields_go_into_the_body(kwargs: dict[str, Any], body: dict[str, Any]) -> None:
    assert dict(Arguments.of(CHAT, (), kwargs).body) == body


def test_positional_arguments_are_0_28s_credentials_not_body_fields() -> None:
    call = Arguments.of(CHAT, ("sk-positional", "http://base"), {"model": "m/x", "messages": MESSAGES})

    assert dict(call.body) == {"model": "m/x", "messages": MESSAGES}
    assert call.shaper.api_key == "sk-positional"


@pytest.mark.parametrize(
    ("kwargs", "request_timeout", "retry_timeout"),
    [
        ({}, None, None),
        ({"request_timeout": 5}, 5, None),
        ({"request_timeout": (1, 20)}, (1, 20), None),
        ({"timeout": 30}, None, 30),  # ChatCompletion's `timeout` bounds its TryAgain retries, not a request
    ],
)
def test_timeouts_are_read_as_0_28_reads_them(
    kwargs: dict[str, Any], request_timeout: object, retry_timeout: object
) -> None:
    call = Arguments.of(CHAT, (), {"model": "m/x", "messages": MESSAGES, **kwargs})

    assert (call.request_timeout, call.retry_timeout) == (request_timeout, retry_timeout)


def test_objects_are_stamped_with_the_module_settings_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai0, "api_key", "sk-module")
    monkeypatch.setattr(openai0, "organization", "org-module")
    monkeypatch.setattr(openai0, "api_version", None)

    default = Arguments.of(CHAT, (), {"model": "m/x"}).shaper
    given = Arguments.of(CHAT, (), {"model": "m/x", "api_key": "sk-call", "deployment_id": "d"}).shaper

    assert (default.api_key, default.organization, default.engine) == ("sk-module", "org-module", None)
    assert (given.api_key, given.engine) == ("sk-call", "d")
