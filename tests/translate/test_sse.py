from __future__ import annotations

import pytest

from easyllm_shim._translate.sse import MAX_EVENT_BYTES, MAX_LINE_BYTES, SSEDecoder, SSEError

EVENT = b'{"token":{"text":" Hi"}}'


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        pytest.param(b"data: " + EVENT + b"\n\n", [EVENT], id="tgi>=2.1 writes a space"),
        pytest.param(b"data:" + EVENT + b"\n\n", [EVENT], id="tgi<=2.0 writes none"),
        pytest.param(b"data: " + EVENT + b"\r\n\r\n", [EVENT], id="proxies may use CRLF"),
        pytest.param(b":\n\ndata: " + EVENT + b"\n\n", [EVENT], id="keep-alive comments are ignored"),
        pytest.param(b"event: x\nid: 1\nretry: 5\ndata: " + EVENT + b"\n\n", [EVENT], id="other fields ignored"),
        pytest.param(b"data: a\ndata: b\n\n", [b"a\nb"], id="multi-line data joins with newline"),
        pytest.param(b"data:  two spaces\n\n", [b" two spaces"], id="only one optional space is stripped"),
        pytest.param(b"data: [DONE]\n\n", [b"[DONE]"], id="done marker is just data"),
    ],
)
def test_decodes_each_framing_tgi_and_proxies_produce(stream: bytes, expected: list[bytes]) -> None:
    assert SSEDecoder().feed(stream) == expected


def test_events_split_across_reads_at_every_byte_come_out_whole() -> None:
    stream = b"data: " + EVENT + b"\r\n\r\ndata:" + EVENT + b"\n\n"
    decoder = SSEDecoder()
    events = [event for index in range(len(stream)) for event in decoder.feed(stream[index : index + 1])]
    assert events == [EVENT, EVENT]
    assert decoder.flush() == []


def test_an_event_missing_its_blank_line_at_end_of_stream_still_counts() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: " + EVENT) == []
    assert decoder.flush() == [EVENT]


def test_a_long_line_fed_in_small_reads_costs_linear_time() -> None:
    # 4 MiB in 64-byte reads is 65,536 feeds: copying the line held so far on every read (what the
    # decoder once did) would move about 140 GB and not finish; a linear decoder takes a moment.
    payload = b"x" * (4 * 2**20)
    stream = b"data: " + payload + b"\n\n"
    decoder = SSEDecoder()
    events = [event for start in range(0, len(stream), 64) for event in decoder.feed(stream[start : start + 64])]
    assert events == [payload]


def test_a_line_past_the_cap_is_refused_before_its_end_arrives() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: ")
    piece = b"x" * 2**20
    for _ in range(MAX_LINE_BYTES // len(piece) - 1):
        decoder.feed(piece)
    with pytest.raises(SSEError, match="line"):
        decoder.feed(piece)


def test_an_event_past_the_cap_is_refused_before_its_blank_line_arrives() -> None:
    decoder = SSEDecoder()
    line = b"data: " + b"x" * 2**20 + b"\n"
    for _ in range(MAX_EVENT_BYTES // 2**20 - 1):
        decoder.feed(line)
    with pytest.raises(SSEError, match="event"):
        decoder.feed(line)


def test_lines_and_events_up_to_the_caps_come_out_whole() -> None:
    payload = b"x" * (MAX_EVENT_BYTES - 16)
    assert SSEDecoder().feed(b"data: " + payload + b"\n\n") == [payload]
