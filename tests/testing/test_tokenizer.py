"""The fake tokenizer: words with their leading spaces, newlines alone, control strings whole."""

from __future__ import annotations

import pytest

from easyllm_shim.testing.fake_model._tokenizer import Tokenizer, vocabulary_for

LLAMA = Tokenizer(vocabulary_for("meta-llama/Llama-2-7b-chat-hf"))


def texts(text: str) -> list[str]:
    return [piece.text for piece in LLAMA.encode(text, add_special_tokens=False)]


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Hello there!", ["Hello", " there", "!"]),
        (" Hello  world", [" Hello", "  world"]),
        ("a\nb", ["a", "\n", "b"]),
        ("a \n", ["a", " ", "\n"]),
        ("<s>[INST] Hi [/INST]", ["<s>", "[INST]", " Hi", " ", "[/INST]"]),
        ("x</s><s>y", ["x", "</s>", "<s>", "y"]),
        ('{"a":1}', ["{", '"', "a", '"', ":", "1", "}"]),
        ("", []),
    ],
)
def test_pieces(text: str, pieces: list[str]) -> None:
    assert texts(text) == pieces


def test_the_pieces_put_back_together_give_the_text() -> None:
    text = "Some <s>text</s> with [INST] markers,\n\nand  spaces. "
    assert "".join(texts(text)) == text


def test_offsets_are_character_offsets() -> None:
    pieces = LLAMA.encode("héllo wörld", add_special_tokens=False)
    assert [(p.start, p.stop) for p in pieces] == [(0, 5), (5, 11)]


def test_the_bos_comes_first_with_empty_offsets() -> None:
    first = LLAMA.encode("Hi", add_special_tokens=True)[0]
    assert (first.id, first.text, first.special, first.start, first.stop) == (1, "", True, 0, 0)


def test_special_tokens_have_their_real_ids() -> None:
    eos = LLAMA.encode("</s>", add_special_tokens=False)[0]
    assert (eos.id, eos.special) == (2, True)
    assert not LLAMA.encode("[INST]", add_special_tokens=False)[0].special


def test_ordinary_ids_are_stable_and_in_the_vocabulary() -> None:
    first = [p.id for p in LLAMA.encode("the same words", add_special_tokens=False)]
    again = [p.id for p in Tokenizer(vocabulary_for("x")).encode("the same words", add_special_tokens=False)]
    assert first == again
    assert all(3 <= token_id < 32000 for token_id in first)


@pytest.mark.parametrize(
    ("model_id", "bos", "eos"),
    [
        ("meta-llama/Llama-2-7b-chat-hf", "<s>", "</s>"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", "<|begin_of_text|>", "<|eot_id|>"),
        ("Qwen/Qwen2-7B-Instruct", None, "<|im_end|>"),
        ("mistralai/Mistral-7B-Instruct-v0.2", "<s>", "</s>"),
    ],
)
def test_vocabulary_follows_the_model_family(model_id: str, bos: str | None, eos: str) -> None:
    vocabulary = vocabulary_for(model_id)
    assert (vocabulary.bos, vocabulary.eos) == (bos, eos)


def test_no_bos_for_families_without_one() -> None:
    qwen = Tokenizer(vocabulary_for("Qwen/Qwen2-7B-Instruct"))
    assert [p.text for p in qwen.encode("Hi", add_special_tokens=True)] == ["Hi"]
