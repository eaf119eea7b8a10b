from __future__ import annotations

import pytest

from easyllm_shim._translate.stops import StopScanner, cut_at_stop


@pytest.mark.parametrize(
    ("text", "stops", "expected"),
    [
        ("Hello world", [], ("Hello world", False)),
        ("Hello world\nUser: hi", ["\nUser:"], ("Hello world", True)),
        ("Test request failed: Error in test", [" test"], ("Test request failed: Error in", True)),
        ("a STOP b END c", ["END", "STOP"], ("a ", True)),
        ("no stop here", ["xyz"], ("no stop here", False)),
        ("tests pass", ["test"], ("", True)),
    ],
)
def test_cut_at_stop_keeps_text_before_the_earliest_stop(
    text: str, stops: list[str], expected: tuple[str, bool]
) -> None:
    assert cut_at_stop(text, stops) == expected


def scan(tokens: list[str], stops: list[str]) -> tuple[list[str], bool]:
    scanner = StopScanner(stops)
    emitted = []
    for token in tokens:
        emitted.append(scanner.push(token))
        if scanner.stopped:
            return emitted, True
    emitted.append(scanner.flush())
    return emitted, False


def test_stream_holds_back_only_a_tail_that_could_begin_a_stop() -> None:
    emitted, stopped = scan([" Hello", " wor", "ld", "\nUs", "er:", " more"], ["\nUser:"])
    assert stopped
    assert emitted == [" Hello", " wor", "ld", "", ""]
    assert "".join(emitted) == " Hello world"


def test_a_false_start_is_released_once_it_cannot_be_a_stop() -> None:
    emitted, stopped = scan([" a\nU", "nless"], ["\nUser:"])
    assert not stopped
    assert emitted == [" a", "\nUnless", ""]


def test_a_stop_inside_one_token_is_found_even_though_tgi_would_miss_it() -> None:
    # TGI anchors its match at the end of the text: " tests" carries "test" plus more, so TGI
    # keeps generating (tgi-protocol.md §1.3). The shim still cuts there.
    emitted, stopped = scan([" unit", " tests", " pass"], ["test"])
    assert stopped
    assert "".join(emitted) == " unit "


def test_without_stops_text_passes_straight_through() -> None:
    assert scan([" a", "b"], []) == ([" a", "b", ""], False)


def test_the_held_tail_is_emitted_when_the_stream_ends() -> None:
    emitted, stopped = scan([" done", "\nUse"], ["\nUser:"])
    assert not stopped
    assert "".join(emitted) == " done\nUse"
