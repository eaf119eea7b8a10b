from __future__ import annotations

import pytest

from easyllm_shim._translate.sse import SSEDecoder

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
