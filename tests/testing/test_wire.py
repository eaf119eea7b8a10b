"""Wire helpers: compact JSON like serde_json, and the response shapes."""

from __future__ import annotations

from easyllm_shim.testing.loopback._wire import compact_json, json_response, text_response
from easyllm_shim.testing.tgi._errors import error_response


def test_compact_json_keeps_unicode_and_escapes_controls() -> None:
    assert compact_json({"a": "é\n", "b": [1, None]}) == '{"a":"é\\n","b":[1,null]}'


def test_response_helpers() -> None:
    assert json_response(200, {"a": 1}).headers == (("content-type", "application/json"),)
    assert text_response(400, "no").headers == (("content-type", "text/plain; charset=utf-8"),)
    assert error_response(422, "m", "validation").body == b'{"error":"m","error_type":"validation"}'
