"""Inference: validation, then generation; best_of runs several sequences and keeps the best."""

from __future__ import annotations

import pytest

from easyllm_shim.testing.fake_model._model import Reply
from easyllm_shim.testing.fake_model._tokenizer import Tokenizer, vocabulary_for
from easyllm_shim.testing.tgi._infer import Infer
from easyllm_shim.testing.tgi._requests import GenerateParameters
from easyllm_shim.testing.tgi._validation import Limits, ValidationError

LIMITS = Limits(2, 4, 5, 4095, 4096, grammar_support=True)


def infer(reply: Reply = None) -> Infer:
    return Infer(LIMITS, Tokenizer(vocabulary_for("x")), lambda: reply)


def test_best_of_keeps_the_highest_mean_logprob() -> None:
    inference = infer().generate("prompt", GenerateParameters(best_of=2, do_sample=True))
    (other,) = inference.others
    assert inference.best.mean_logprob >= other.mean_logprob
    assert inference.best.seed == inference.request.seed


def test_without_best_of_there_are_no_others() -> None:
    assert infer().generate("prompt", GenerateParameters()).others == ()


def test_best_of_checks_its_limit_before_anything_else() -> None:
    with pytest.raises(ValidationError, match=r"`best_of` must be > 0 and <= 2\. Given: 3"):
        infer().generate("", GenerateParameters(best_of=3, temperature=0.0))


def test_stream_rules_come_first() -> None:
    with pytest.raises(ValidationError, match="not supported when streaming"):
        infer().generate_stream("", GenerateParameters(decoder_input_details=True, temperature=0.0))


def test_the_reply_is_read_for_each_request() -> None:
    replies = iter(["first", "second"])
    engine = Infer(LIMITS, Tokenizer(vocabulary_for("x")), lambda: next(replies))
    texts = [engine.generate("p", GenerateParameters()).best.text for _ in range(2)]
    assert texts == [" first", " second"]
