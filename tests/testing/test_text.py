"""The filler text is deterministic and about forty tokens long."""

from __future__ import annotations

from easyllm_shim.testing.fake_model._text import default_reply, stable_hash, word_for
from easyllm_shim.testing.fake_model._tokenizer import Tokenizer, vocabulary_for


def test_same_prompt_and_seed_give_the_same_text() -> None:
    assert default_reply("Hello", None) == default_reply("Hello", None)
    assert default_reply("Hello", 7) == default_reply("Hello", 7)


def test_prompt_and_seed_change_the_text() -> None:
    assert default_reply("Hello", None) != default_reply("Goodbye", None)
    assert default_reply("Hello", 1) != default_reply("Hello", 2)


def test_the_text_is_sentences_of_about_forty_tokens() -> None:
    text = default_reply("prompt", None)
    count = len(Tokenizer(vocabulary_for("x")).encode(text, add_special_tokens=False))
    assert 35 <= count <= 45
    assert text[0].isupper()
    assert text.endswith(".")


def test_hashes_do_not_depend_on_the_process() -> None:
    assert stable_hash("a", 1) == 718304929  # crc32 of "a\x1f1"
    assert word_for("firstName") == word_for("firstName")
