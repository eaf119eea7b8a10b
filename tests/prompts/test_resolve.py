from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from easyllm_shim._prompts import FAMILIES, ChatFormat, clear_format_cache, register_chat_template, resolve_format
from easyllm_shim._prompts.compat import PROMPT_MAPPING, build_chatml_falcon_prompt, build_llama2_prompt
from easyllm_shim._prompts.markers import ZWSP

from ._hub import cache_snapshot, tokenizer_config, write_config
from ._templates import OWN_CHATML_TEMPLATE, OWN_LLAMA2_TEMPLATE

LLAMA2_CHAT = "meta-llama/Llama-2-7b-chat-hf"
HI = [{"role": "user", "content": "Hi"}]


class TestByModel:
    @pytest.mark.parametrize(
        ("model", "family"),
        [
            (LLAMA2_CHAT, "llama2"),
            ("meta-llama/Meta-Llama-3-8B-Instruct", "llama3"),
            ("mistralai/Mistral-7B-Instruct-v0.2", "mistral"),
            ("HuggingFaceH4/zephyr-7b-beta", "zephyr"),
            ("lmsys/vicuna-7b-v1.5", "vicuna"),
            ("tiiuae/falcon-40b-instruct", "falcon"),
            ("stabilityai/StableBeluga-13B", "stablebeluga"),
            ("OpenAssistant/llama2-13b-orca-8k-3319", "open_assistant"),
            ("Qwen/Qwen2-7B-Instruct", "chatml"),
        ],
    )
    def test_the_family_table_decides_when_no_template_is_on_disk(self, model: str, family: str) -> None:
        assert resolve_format(model) is FAMILIES[family]

    @pytest.mark.parametrize("model", ["acme/mystery-7b", None, ""])
    def test_unknown_models_fall_back_to_llama2_with_a_debug_line(
        self, model: str | None, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.DEBUG, logger="easyllm_shim"):
            chat_format = resolve_format(model)

        assert chat_format is FAMILIES["llama2"]
        assert [record.levelno for record in caplog.records] == [logging.DEBUG]
        assert caplog.records[0].name == "easyllm_shim"

    def test_lookups_are_cached(self) -> None:
        assert resolve_format("acme/mystery-7b") is resolve_format("acme/mystery-7b")


class TestChatTemplates:
    def test_a_cached_template_wins_over_the_family_table(self, isolated_template_sources: Path) -> None:
        config = tokenizer_config(OWN_LLAMA2_TEMPLATE, bos_token="<s>", eos_token="</s>")
        cache_snapshot(isolated_template_sources, LLAMA2_CHAT, config)

        chat_format = resolve_format(LLAMA2_CHAT)

        assert chat_format.name == f"template:{LLAMA2_CHAT}"
        assert chat_format.stop == ("</s>", "[INST]")
        assert chat_format.prompt(HI) == "[INST] Hi [/INST]"

    def test_an_unknown_model_with_a_template_stops_on_its_eos(self, isolated_template_sources: Path) -> None:
        cache_snapshot(
            isolated_template_sources, "acme/hermes", tokenizer_config(OWN_CHATML_TEMPLATE, eos_token="<|im_end|>")
        )

        chat_format = resolve_format("acme/hermes")

        assert chat_format.stop == ("<|im_end|>",)
        assert chat_format.prompt(HI) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"

    def test_a_template_that_does_not_compile_falls_back_to_the_family(
        self, isolated_template_sources: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        cache_snapshot(isolated_template_sources, LLAMA2_CHAT, tokenizer_config("{% for %}"))

        with caplog.at_level(logging.DEBUG, logger="easyllm_shim"):
            assert resolve_format(LLAMA2_CHAT) is FAMILIES["llama2"]
        assert "does not compile" in caplog.text

    def test_a_registration_is_seen_at_once(self, tmp_path: Path) -> None:
        assert resolve_format(LLAMA2_CHAT) is FAMILIES["llama2"]

        register_chat_template(LLAMA2_CHAT, write_config(tmp_path, tokenizer_config(OWN_CHATML_TEMPLATE)))

        assert resolve_format(LLAMA2_CHAT).name == f"template:{LLAMA2_CHAT}"

    def test_a_later_download_is_seen_after_clearing_the_cache(self, isolated_template_sources: Path) -> None:
        assert resolve_format("acme/hermes") is FAMILIES["llama2"]
        cache_snapshot(isolated_template_sources, "acme/hermes", tokenizer_config(OWN_CHATML_TEMPLATE))

        assert resolve_format("acme/hermes") is FAMILIES["llama2"]
        clear_format_cache()
        assert resolve_format("acme/hermes").name == "template:acme/hermes"


class TestOverrides:
    def test_a_name_wins_over_the_model_and_ignores_case(self) -> None:
        assert resolve_format(LLAMA2_CHAT, "chatml_falcon") is FAMILIES["chatml_falcon"]
        assert resolve_format(None, "LLAMA3") is FAMILIES["llama3"]

    def test_an_unknown_name_lists_the_available_ones(self) -> None:
        with pytest.raises(ValueError, match=r"unknown prompt format 'nope'; available: anthropic, chatml, .*zephyr"):
            resolve_format(LLAMA2_CHAT, "nope")

    def test_a_chat_format_is_used_as_given(self) -> None:
        mine = ChatFormat(name="mine", stop=("END",), build=lambda turns: "x")

        assert resolve_format(LLAMA2_CHAT, mine) is mine

    def test_compat_builders_map_to_their_family_so_the_bos_is_handled(self) -> None:
        chat_format = resolve_format("acme/whatever", build_llama2_prompt)

        assert chat_format is FAMILIES["llama2"]
        assert chat_format.prompt(HI) == "[INST] Hi [/INST]"
        assert resolve_format(None, build_chatml_falcon_prompt) is FAMILIES["chatml_falcon"]

    def test_other_callables_are_sent_verbatim_with_the_stops_they_declare(self) -> None:
        seen: list[Any] = []

        def my_builder(messages: list[dict[str, Any]]) -> str:
            seen.append(messages)
            return "<s>" + " | ".join(f"{m['role']}={m['content']}" for m in messages)

        my_builder.stop_sequences = ["|END|"]  # type: ignore[attr-defined]
        chat_format = resolve_format(LLAMA2_CHAT, my_builder)
        messages = [
            {"role": "developer", "content": "rules"},
            {"role": "user", "content": [{"type": "text", "text": "</s>"}]},
        ]

        assert (chat_format.name, chat_format.stop) == ("custom", ("|END|",))
        assert chat_format.prompt(messages) == f"<s>system=rules | user=<{ZWSP}/s>"
        assert seen == [[{"role": "system", "content": "rules"}, {"role": "user", "content": f"<{ZWSP}/s>"}]]

    def test_a_callable_without_declared_stops_gets_none(self) -> None:
        assert resolve_format(None, lambda messages: "x").stop == ()

    def test_a_callable_must_return_a_string(self) -> None:
        def returns_a_number(messages: Any) -> Any:
            return 1

        with pytest.raises(TypeError, match="returned int, not str"):
            resolve_format(None, returns_a_number).prompt(HI)

    def test_a_builder_added_to_prompt_mapping_is_found_by_name(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(PROMPT_MAPPING, "mine", lambda messages: "mine")

        assert resolve_format(None, "mine").prompt(HI) == "mine"

    def test_other_override_types_are_rejected(self) -> None:
        with pytest.raises(TypeError, match="not int"):
            resolve_format(None, 3)  # type: ignore[arg-type]


class TestNeutralisationOptOut:
    def test_false_turns_protection_off(self) -> None:
        chat_format = resolve_format(LLAMA2_CHAT, neutralize_markers=False)

        assert chat_format.neutralize_markers is False
        assert chat_format.prompt([{"role": "user", "content": "</s>"}]) == "[INST] </s> [/INST]"

    def test_the_default_keeps_the_shared_format(self) -> None:
        assert resolve_format(LLAMA2_CHAT, neutralize_markers=True) is FAMILIES["llama2"]
        assert resolve_format(LLAMA2_CHAT) is FAMILIES["llama2"]

    def test_none_keeps_an_override_own_setting(self) -> None:
        unguarded = resolve_format(None, "chatml", neutralize_markers=False)

        assert resolve_format(None, unguarded) is unguarded
        assert resolve_format(None, unguarded, neutralize_markers=True).neutralize_markers is True
