"""Every chat entry point of the openai SDK routes Hugging Face models to TGI and returns the SDK's own objects."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai._base_client import AsyncAPIClient, SyncAPIClient
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ParsedChatCompletion

import easyllm_shim
from easyllm_shim.testing import TGIServer

from .conftest import HF_TOKEN, LLAMA
from .openai_standin import OpenAIStandIn
from .sdk import SDK
from .wire import generate_calls

MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hi."}]
LLAMA_PROMPT = "[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nSay hi. [/INST]"


def test_create_routes_to_tgi_and_returns_a_genuine_chat_completion(patched: TGIServer, sdk: SDK) -> None:
    completion = sdk.create(model=LLAMA, messages=MESSAGES)

    assert type(completion) is ChatCompletion
    assert completion.model == LLAMA
    assert completion.id.startswith("chatcmpl-")
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Hello there!"
    assert completion.choices[0].finish_reason == "stop"
    [call] = generate_calls(patched)
    assert call.path == "/generate"
    sent = call.json()
    assert sent["inputs"] == LLAMA_PROMPT  # Llama 2's template; TGI's tokenizer adds the <s> itself
    assert sent["parameters"]["details"] is True
    assert sent["parameters"]["return_full_text"] is False
    usage = completion.usage
    assert usage is not None
    assert usage.completion_tokens == 4  # " Hello", " there", "!", and the EOS token TGI counts
    assert usage.prompt_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_stream_is_a_genuine_openai_stream_of_chunks(patched: TGIServer, sdk: SDK) -> None:
    streamed = sdk.stream(model=LLAMA, messages=MESSAGES)

    assert type(streamed.stream) is (openai.AsyncStream if sdk.asynchronous else openai.Stream)
    chunks = streamed.chunks
    assert all(type(chunk) is ChatCompletionChunk for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "Hello there!"
    assert {chunk.id for chunk in chunks} == {chunks[0].id}
    assert chunks[0].id.startswith("chatcmpl-")
    assert [chunk.choices[0].finish_reason for chunk in chunks][-1] == "stop"
    assert all(chunk.model == LLAMA for chunk in chunks)
    assert [call.path for call in generate_calls(patched)] == ["/generate_stream"]


def test_stream_usage_chunk_only_when_asked_for(patched: TGIServer, sdk: SDK) -> None:
    plain = sdk.stream(model=LLAMA, messages=MESSAGES).chunks
    counted = sdk.stream(model=LLAMA, messages=MESSAGES, stream_options={"include_usage": True}).chunks

    assert all(chunk.usage is None for chunk in plain)
    assert counted[-1].choices == []
    assert counted[-1].usage is not None
    assert counted[-1].usage.completion_tokens == 4
    assert counted[-1].usage.prompt_tokens > 0


def test_with_raw_response_returns_the_sdk_raw_response_that_parses(patched: TGIServer, sdk: SDK) -> None:
    response, completion = sdk.raw(model=LLAMA, messages=MESSAGES)

    assert type(response).__name__ == "LegacyAPIResponse"
    assert response.http_request.headers.get("X-Stainless-Raw-Response") == "true"
    assert int(response.headers["x-prompt-tokens"]) == completion.usage.prompt_tokens  # TGI's headers kept
    assert type(completion) is ChatCompletion
    assert completion.choices[0].message.content == "Hello there!"


def test_with_streaming_response_returns_the_sdk_api_response(patched: TGIServer, sdk: SDK) -> None:
    response, completion = sdk.streaming_response(model=LLAMA, messages=MESSAGES)

    assert type(response).__name__ in ("APIResponse", "AsyncAPIResponse")
    assert type(completion) is ChatCompletion
    assert completion.choices[0].message.content == "Hello there!"


def test_parse_routes_although_it_bypasses_create(patched: TGIServer, sdk: SDK) -> None:
    parsed = sdk.parse(model=LLAMA, messages=MESSAGES)

    assert isinstance(parsed, ParsedChatCompletion)
    assert parsed.choices[0].message.content == "Hello there!"
    assert len(generate_calls(patched)) == 1


def test_stream_helper_routes_and_assembles_the_final_completion(patched: TGIServer, sdk: SDK) -> None:
    events, final = sdk.stream_helper(model=LLAMA, messages=MESSAGES)

    assert "content.done" in {event.type for event in events}
    assert final.choices[0].message.content == "Hello there!"
    assert final.choices[0].finish_reason == "stop"


def test_module_level_client_routes(
    patched: TGIServer, openai_api: OpenAIStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openai, "api_key", "sk-module-level")
    monkeypatch.setattr(openai, "base_url", openai_api.url)

    completion = openai.chat.completions.create(model=LLAMA, messages=MESSAGES)  # type: ignore[arg-type]

    assert completion.choices[0].message.content == "Hello there!"
    assert openai_api.requests == []


def test_other_models_pass_through_untouched(patched: TGIServer, openai_api: OpenAIStandIn, sdk: SDK) -> None:
    completion = sdk.create(model="gpt-4o-mini", messages=MESSAGES)

    assert completion.choices[0].message.content == "from openai"
    assert generate_calls(patched) == []
    assert len(openai_api.requests) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_pass_through_sends_the_identical_request(
    tgi: TGIServer, openai_api: OpenAIStandIn, sdk: SDK, stream: bool
) -> None:
    kwargs: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2}
    call = (lambda: sdk.stream(**kwargs)) if stream else (lambda: sdk.create(**kwargs))
    call()
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    call()

    unpatched, patched = openai_api.requests
    volatile = {"x-stainless-retry-count", "x-stainless-read-timeout", "idempotency-key"}
    assert (patched.method, patched.path, patched.body) == (unpatched.method, unpatched.path, unpatched.body)
    assert {k: v for k, v in patched.headers.items() if k not in volatile} == {
        k: v for k, v in unpatched.headers.items() if k not in volatile
    }


def test_unpatch_restores_the_sdk_exactly(tgi: TGIServer, openai_api: OpenAIStandIn, sdk: SDK) -> None:
    originals = (SyncAPIClient.__dict__["request"], AsyncAPIClient.__dict__["request"])
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    assert easyllm_shim.is_patched()
    assert SyncAPIClient.__dict__["request"] is not originals[0]

    easyllm_shim.unpatch()
    easyllm_shim.unpatch()  # idempotent

    assert not easyllm_shim.is_patched()
    assert (SyncAPIClient.__dict__["request"], AsyncAPIClient.__dict__["request"]) == originals
    sdk.create(model=LLAMA, messages=MESSAGES)
    assert generate_calls(tgi) == []
    assert len(openai_api.requests) == 1


def test_a_second_patch_does_not_route_twice(tgi: TGIServer, sdk: SDK) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    wrapper = SyncAPIClient.__dict__["request"]
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)

    assert SyncAPIClient.__dict__["request"] is wrapper
    assert sdk.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"
    assert len(generate_calls(tgi)) == 1


def test_a_second_patch_reconfigures(tgi: TGIServer, tgi_server_factory: Any, sdk: SDK) -> None:
    other = tgi_server_factory()
    other.reply = "From the other server."
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    easyllm_shim.patch(api_base=other.url, token=HF_TOKEN)

    assert sdk.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "From the other server."
    assert generate_calls(tgi) == []


def test_a_custom_route_predicate_decides(tgi: TGIServer, openai_api: OpenAIStandIn, sdk: SDK) -> None:
    easyllm_shim.patch(
        api_base=tgi.url, token=HF_TOKEN, route=lambda model: model == "my-llama", prompt_formats={"my-llama": "llama2"}
    )

    assert sdk.create(model="my-llama", messages=MESSAGES).choices[0].message.content == "Hello there!"
    assert sdk.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "from openai"


def test_raw_responses_report_elapsed_time_like_the_sdks_own(patched: TGIServer, sdk: SDK) -> None:
    response, _ = sdk.raw(model=LLAMA, messages=MESSAGES)
    streamed, _ = sdk.streaming_response(model=LLAMA, messages=MESSAGES, stream=True)

    assert response.elapsed.total_seconds() > 0
    assert streamed.elapsed.total_seconds() > 0


CLIENT_CLASSES = {"SyncAPIClient": SyncAPIClient, "AsyncAPIClient": AsyncAPIClient}


def _install_tracer(seen: list[str]) -> list[Any]:
    """Another library's wrapt wrapper on both `request` methods, as tracing libraries install them."""
    import wrapt

    def tracer(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        seen.append(args[1].url)
        return wrapped(*args, **kwargs)

    return [wrapt.wrap_function_wrapper("openai._base_client", f"{kind}.request", tracer) for kind in CLIENT_CLASSES]


def _remove_tracer(handles: list[Any]) -> None:
    """As the other library would: wrapt >= 2.4 splices it out wherever it is; before, only from the top."""
    import wrapt

    for cls, handle in zip(CLIENT_CLASSES.values(), handles, strict=True):
        if hasattr(wrapt, "unwrap_object"):
            wrapt.unwrap_object(cls, "request", handle)
        else:
            assert cls.__dict__["request"] is handle
            setattr(cls, "request", handle.__wrapped__)  # noqa: B010


@pytest.mark.parametrize("tracer_first", [True, False], ids=["tracer patched first", "tracer patched last"])
def test_another_librarys_wrapper_on_request_sees_each_routed_call_once(
    tgi: TGIServer, sdk: SDK, tracer_first: bool
) -> None:
    seen: list[str] = []
    handles = _install_tracer(seen) if tracer_first else []
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    handles = handles or _install_tracer(seen)
    try:
        assert sdk.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"
    finally:
        if tracer_first:
            easyllm_shim.unpatch()
            _remove_tracer(handles)
        else:  # the last one in removes itself first, as a context manager or a test fixture would
            _remove_tracer(handles)
            easyllm_shim.unpatch()

    assert seen == ["/chat/completions"]
    assert len(generate_calls(tgi)) == 1
    assert SyncAPIClient.__dict__["request"].__class__.__name__ == "function"


def test_unpatch_under_another_librarys_wrapper_stops_routing(
    tgi: TGIServer, openai_api: OpenAIStandIn, sdk: SDK, caplog: pytest.LogCaptureFixture
) -> None:
    """wrapt >= 2.4 takes the shim's wrapper out from under the other one; with wrapt < 2.4 it stays there
    (with a warning) but passes every call through. Either way nothing routes after `unpatch()`."""
    import wrapt

    originals = {kind: cls.__dict__["request"] for kind, cls in CLIENT_CLASSES.items()}
    seen: list[str] = []
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    handles = _install_tracer(seen)
    try:
        easyllm_shim.unpatch()
        sdk.create(model=LLAMA, messages=MESSAGES)

        assert generate_calls(tgi) == []
        assert [request.json()["model"] for request in openai_api.requests] == [LLAMA]
        assert seen == ["/chat/completions"]
        spliced = hasattr(wrapt, "unwrap_object")
        assert ("re-wrapped by another library" in caplog.text) is not spliced
    finally:
        _remove_tracer(handles)
        for kind, cls in CLIENT_CLASSES.items():  # what an old wrapt had to leave behind
            setattr(cls, "request", originals[kind])  # noqa: B010
