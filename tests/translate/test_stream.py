from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletionChunk

from easyllm_shim._translate.chat import ChatPlan, CompletionMeta
from easyllm_shim._translate.chat_stream import ChatStreamTranslator

META = CompletionMeta(id="chatcmpl-abc", created=1700000000, model="meta-llama/Llama-2-7b-chat-hf")


def plan(*, stops: tuple[str, ...] = (), include_usage: bool = False) -> ChatPlan:
    return ChatPlan(
        model=META.model,
        inputs="[INST] Hi [/INST]",
        parameters={},
        stops=stops,
        stream=True,
        include_usage=include_usage,
    )


def token(index: int, text: str, *, special: bool = False) -> dict[str, Any]:
    return {
        "index": index,
        "token": {"id": index, "text": text, "logprob": -0.1, "special": special},
        "generated_text": None,
        "details": None,
    }


def final(index: int, text: str, generated: str, reason: str, count: int) -> dict[str, Any]:
    event = token(index, text, special=reason == "eos_token")
    event["generated_text"] = generated
    event["details"] = {"finish_reason": reason, "generated_tokens": count, "seed": None, "input_length": 12}
    return event


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(event).encode() + b"\n\n" for event in events)


HELLO = sse(token(1, " Hello"), token(2, " there"), token(3, "!"), final(4, "</s>", " Hello there!", "eos_token", 4))


def run(translator: ChatStreamTranslator, stream: bytes, *, step: int | None = None) -> list[Any]:
    size = step or len(stream)
    out = b"".join(translator.feed(stream[i : i + size]) for i in range(0, len(stream), size))
    out += translator.finish()
    frames = [frame for frame in out.split(b"\n\n") if frame]
    assert all(frame.startswith(b"data: ") for frame in frames)
    return [frame[6:].decode() if frame == b"data: [DONE]" else json.loads(frame[6:]) for frame in frames]


def chunks(frames: list[Any]) -> list[ChatCompletionChunk]:
    assert frames[-1] == "[DONE]"
    return [ChatCompletionChunk.model_validate(frame) for frame in frames[:-1]]


def test_a_tgi_stream_becomes_openai_chunks_role_first_then_content_then_finish() -> None:
    parsed = chunks(run(ChatStreamTranslator(plan(), META), HELLO))
    assert parsed[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].delta.content for c in parsed] == ["", "Hello", " there", "!", None]
    assert [c.choices[0].finish_reason for c in parsed] == [None, None, None, None, "stop"]
    assert {(c.id, c.created, c.model) for c in parsed} == {(META.id, META.created, META.model)}


@pytest.mark.parametrize("step", [1, 3, 17])
def test_byte_boundaries_do_not_change_the_result(step: int) -> None:
    whole = run(ChatStreamTranslator(plan(), META), HELLO)
    assert run(ChatStreamTranslator(plan(), META), HELLO, step=step) == whole


def test_usage_chunk_carries_tgi_token_counts_when_asked_for() -> None:
    parsed = chunks(run(ChatStreamTranslator(plan(include_usage=True), META), HELLO))
    assert all(c.usage is None for c in parsed[:-1])
    assert parsed[-1].choices == []
    assert parsed[-1].usage is not None
    usage = parsed[-1].usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (12, 4, 16)


def test_a_stop_string_split_across_tokens_is_cut_and_ends_the_stream_at_once() -> None:
    stream = sse(token(1, " Sure"), token(2, ".\nUs"), token(3, "er:"), token(4, " more"))
    parsed = chunks(run(ChatStreamTranslator(plan(stops=("\nUser:",)), META), stream))
    assert "".join(c.choices[0].delta.content or "" for c in parsed) == "Sure."
    assert parsed[-1].choices[0].finish_reason == "stop"


def test_length_is_reported_as_length_and_held_back_text_is_not_lost() -> None:
    stream = sse(token(1, " Hi"), final(2, "\nUs", " Hi\nUs", "length", 2))
    parsed = chunks(run(ChatStreamTranslator(plan(stops=("\nUser:",)), META), stream))
    assert "".join(c.choices[0].delta.content or "" for c in parsed) == "Hi\nUs"
    assert parsed[-1].choices[0].finish_reason == "length"


def test_special_tokens_never_reach_the_content() -> None:
    stream = sse(token(1, "<|im_start|>", special=True), token(2, " Yes"), final(3, "</s>", " Yes", "eos_token", 3))
    parsed = chunks(run(ChatStreamTranslator(plan(), META), stream))
    assert "".join(c.choices[0].delta.content or "" for c in parsed) == "Yes"


def test_an_error_before_the_first_token_is_kept_for_an_http_error_instead_of_a_stream() -> None:
    translator = ChatStreamTranslator(plan(), META)
    error = {"error": "Input validation error: `top_p` must be > 0.0 and < 1.0", "error_type": "validation"}
    assert translator.feed(sse(error)) == b""
    assert translator.early_error is not None
    status, body = translator.early_error
    assert status == 422
    assert json.loads(body)["error"]["message"] == error["error"]


def test_an_error_mid_stream_becomes_an_openai_error_event() -> None:
    error = {"error": "Request failed during generation: CUDA OOM", "error_type": "generation"}
    frames = run(ChatStreamTranslator(plan(), META), sse(token(1, " Hi"), error))
    assert frames[-1] == {"error": {"message": error["error"], "type": "generation"}}


def test_a_stream_cut_before_the_final_event_ends_with_an_error_never_silently() -> None:
    frames = run(ChatStreamTranslator(plan(), META), sse(token(1, " Hi"), token(2, " there")))
    assert frames[-1]["error"]["type"] == "incomplete_generation_stream"


def test_a_stream_that_ends_before_any_event_is_an_http_error() -> None:
    translator = ChatStreamTranslator(plan(), META)
    assert translator.finish() == b""
    assert translator.early_error is not None
    assert translator.early_error[0] == 500


def test_a_malformed_event_fails_the_stream_after_the_text_before_it() -> None:
    stream = sse(token(1, " Hi")) + b"data: {not json\n\n" + sse(token(2, " there"))
    frames = run(ChatStreamTranslator(plan(), META), stream)
    assert [frame["choices"][0]["delta"].get("content") for frame in frames[:-1]] == ["", "Hi"]
    assert frames[-1]["error"]["type"] == "malformed_event"


def test_a_malformed_first_event_is_an_http_error() -> None:
    translator = ChatStreamTranslator(plan(), META)
    translator.feed(b"data: [1, 2]\n\n")
    assert translator.early_error is not None
    assert translator.early_error[0] == 502
