"""One configuration from `patch()` arguments and the environment, validated at `patch()` time."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

import easyllm_shim
from easyllm_shim import ConfigError
from easyllm_shim._config.settings import Config

from ..conftest import LLAMA
from .conftest import fresh_env

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
PATCH = "import easyllm_shim; easyllm_shim.patch()"


MALFORMED = [
    ("EASYLLM_MODEL_MAP", "gpt-4", "'gpt-4' is not of the form model=value"),
    ("EASYLLM_MODEL_MAP", f"gpt-4={LLAMA};gpt-4={MISTRAL}", "'gpt-4' is given twice"),
    ("EASYLLM_MODEL_MAP", "gpt-4=", "'gpt-4' has an empty value"),
    ("EASYLLM_MODEL_MAP", "gpt-4=my model", "'gpt-4' -> 'my model' is not a model id"),
    ("EASYLLM_ENDPOINTS", f"{LLAMA}=tgi.internal:8080", f"'{LLAMA}' -> 'tgi.internal:8080' is not an http(s) URL"),
    ("EASYLLM_ENDPOINTS", "http://tgi.internal:8080", "'http://tgi.internal:8080' is not of the form model=value"),
    ("EASYLLM_AB", "gpt-4o-mini", "'gpt-4o-mini' is not of the form model=value"),
    ("EASYLLM_AB", f"gpt-4o-mini={LLAMA}", f"experiment 'gpt-4o-mini': '{LLAMA}' is not of the form model:percent"),
    ("EASYLLM_AB", f"gpt-4o-mini={LLAMA}:thirty", f"arm '{LLAMA}' has percent 'thirty', not a number"),
    ("EASYLLM_AB", f"gpt-4o-mini={LLAMA}:130", f"arm '{LLAMA}' has percent 130, outside 0-100"),
    ("EASYLLM_AB", f"gpt-4o-mini={LLAMA}:-5", "has percent -5, outside 0-100"),
    ("EASYLLM_AB", f"gpt-4o-mini={LLAMA}:60,{MISTRAL}:50", "the arms add up to 110%, more than 100%"),
    ("EASYLLM_AB", f"gpt-4o-mini={LLAMA}:10,{LLAMA}:20", f"arm '{LLAMA}' is given twice"),
    ("EASYLLM_AB", f"gpt-4o-mini={LLAMA}:10;gpt-4o-mini={MISTRAL}:10", "'gpt-4o-mini' is given twice"),
    ("EASYLLM_AB", "gpt-4o-mini=gpt-4o-mini:10", "the arm 'gpt-4o-mini' is the requested model itself"),
    ("EASYLLM_AB_LOG", "/no/such/directory/events.jsonl", "the directory of '/no/such/directory/events.jsonl'"),
    ("EASYLLM_FALLBACK", f"{LLAMA}={LLAMA}", f"'{LLAMA}' falls back to itself"),
    ("EASYLLM_FALLBACK", f"{LLAMA}", f"'{LLAMA}' is not of the form model=value"),
    ("EASYLLM_DISABLE", "maybe", "'maybe' is not a switch; use 1 or 0"),
    ("HUGGINGFACE_API_BASE", "tgi.internal:8080", "'tgi.internal:8080' is not an http(s) URL"),
    ("EASYLLM_ENDPOINTS", f"{LLAMA}=http://tgi:80a0", "'http://tgi:80a0' has an invalid port '80a0'"),
    ("EASYLLM_ENDPOINTS", f"{LLAMA}=http://tgi:65536", "'http://tgi:65536' has an invalid port '65536'"),
    ("EASYLLM_ENDPOINTS", f"{LLAMA}=http://tgi internal:8080", "'http://tgi internal:8080' has no valid host"),
    ("EASYLLM_ENDPOINTS", f"{LLAMA}=http://a:1,ftp://b", f"'{LLAMA}' -> 'ftp://b' is not an http(s) URL"),
    ("EASYLLM_ENDPOINTS", f"{LLAMA}=http://a:1,tgi:2", "'tgi:2' is not of the form model=value"),
    ("EASYLLM_ENDPOINTS", f"{LLAMA}=http://a:1,http://a:1", "names one URL twice"),
    ("EASYLLM_ENDPOINTS", f"{LLAMA}=http://a:1,", f"'{LLAMA}' -> 'http://a:1,' is not a list of http(s) URLs"),
    ("HUGGINGFACE_API_BASE", "http://a:1,http://b:x", "'http://b:x' has an invalid port 'x'"),
    ("EASYLLM_COOLDOWN", "soon", "'soon' is not a number of seconds"),
    ("EASYLLM_COOLDOWN", "0", "'0' is not a number of seconds from 0 to 3600"),
]


def test_comma_separated_lists_are_replicas_or_mappings_as_their_pieces_say() -> None:
    config = Config.from_sources(
        environ={
            "EASYLLM_MODEL_MAP": f"gpt-4={LLAMA},gpt-3.5-turbo={MISTRAL}",
            "EASYLLM_ENDPOINTS": f"{LLAMA}=http://a:1,https://b:2/;{MISTRAL}=http://c:3/v1,zephyr=http://d:4",
            "HUGGINGFACE_API_BASE": "http://e:5, http://f:6",
        }
    )

    assert config.model_map == {"gpt-4": LLAMA, "gpt-3.5-turbo": MISTRAL}
    assert config.bases_for(LLAMA) == ("http://a:1", "https://b:2")
    assert config.bases_for(MISTRAL) == ("http://c:3/v1",)
    assert config.bases_for("zephyr") == ("http://d:4",)
    assert config.bases_for("other/model") == ("http://e:5", "http://f:6")
    listed = Config.from_sources(environ={}, api_base=["http://e:5"], endpoints={LLAMA: ["http://a:1", "http://b:2"]})
    assert listed.bases_for(LLAMA) == ("http://a:1", "http://b:2")
    assert listed.bases_for("other/model") == ("http://e:5",)


def test_a_query_string_stays_a_query_string() -> None:
    config = Config.from_sources(environ={"EASYLLM_ENDPOINTS": f"{LLAMA}=https://tgi.internal/base/?api-version=2"})

    assert config.bases_for(LLAMA) == ("https://tgi.internal/base?api-version=2",)


# Each variable's first case again, in a fresh interpreter (EASYLLM_AUTOPATCH: test_autopatch.py).
FIRST_OF_EACH_VARIABLE = [case for i, case in enumerate(MALFORMED) if case[0] not in {c[0] for c in MALFORMED[:i]}]


@pytest.mark.parametrize(("variable", "value", "message"), MALFORMED)
def test_a_malformed_variable_stops_patch_naming_the_variable_and_the_bad_part(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as raised:
        easyllm_shim.patch()

    assert str(raised.value).startswith(f"{variable}: ")
    assert message in str(raised.value)
    assert not easyllm_shim.is_patched()


@pytest.mark.parametrize(("variable", "value", "message"), FIRST_OF_EACH_VARIABLE)
def test_a_fresh_interpreter_fails_at_patch_with_the_same_message(variable: str, value: str, message: str) -> None:
    env = fresh_env("http://127.0.0.1:9/v1", **{variable: value})

    done = subprocess.run([sys.executable, "-c", PATCH], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert f"easyllm_shim.ConfigError: {variable}: " in done.stderr
    assert message in done.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"model_map": {"gpt-4": ""}}, "model_map: 'gpt-4' has an empty value"),
        ({"endpoints": {LLAMA: "ftp://x"}}, f"endpoints: '{LLAMA}' -> 'ftp://x' is not an http(s) URL"),
        ({"ab": {"gpt-4o-mini": {LLAMA: 101}}}, "ab: experiment 'gpt-4o-mini': arm"),
        ({"ab": {"gpt-4o-mini": {LLAMA: True}}}, "has percent True, not a number"),
        ({"ab_log": "/no/such/directory/events.jsonl"}, "ab_log: the directory of"),
        ({"fallback": ["gpt-4"]}, "fallback: expected a string or a mapping, got list"),
    ],
)
def test_malformed_arguments_are_named_as_arguments(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        easyllm_shim.patch(**arguments)  # type: ignore[arg-type]

    assert message in str(raised.value)
    assert not easyllm_shim.is_patched()


def test_arguments_replace_their_variable_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EASYLLM_MODEL_MAP", f"gpt-4={LLAMA};gpt-3.5-turbo={LLAMA}")
    monkeypatch.setenv("EASYLLM_FALLBACK", f"{LLAMA}=gpt-4o-mini")

    config = Config.from_sources(model_map={"gpt-4": MISTRAL}, fallback={})

    assert config.model_map == {"gpt-4": MISTRAL}  # not merged with the variable's gpt-3.5-turbo
    assert config.fallback == {}


def test_strings_and_mappings_give_the_same_configuration(tmp_path: Path) -> None:
    from_strings = Config.from_sources(
        model_map=f"gpt-4={LLAMA}",
        endpoints=f"{LLAMA}=http://tgi:8080/",
        ab=f"gpt-4o-mini={MISTRAL}:25",
        fallback=f"{LLAMA}=gpt-4o-mini",
        ab_log=str(tmp_path / "events.jsonl"),
    )
    from_mappings = Config.from_sources(
        model_map={"gpt-4": LLAMA},
        endpoints={LLAMA: "http://tgi:8080"},
        ab={"gpt-4o-mini": {MISTRAL: 25}},
        fallback={LLAMA: "gpt-4o-mini"},
        ab_log=tmp_path / "events.jsonl",
    )

    def deployment(config: Config) -> tuple[object, ...]:
        return config.model_map, config.endpoints, config.experiments, config.fallback, config.ab_log

    assert deployment(from_strings) == deployment(from_mappings)
    assert from_strings.base_for(LLAMA) == "http://tgi:8080"
    assert from_strings.base_for(MISTRAL) == from_strings.api_base


def test_the_kill_switch_makes_patch_do_nothing_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("EASYLLM_DISABLE", "1")
    monkeypatch.setattr("easyllm_shim._patch._disabled_logged", False)
    caplog.set_level(logging.INFO, logger="easyllm_shim")

    easyllm_shim.patch()
    easyllm_shim.patch(ab="not even valid")

    assert not easyllm_shim.is_patched()
    assert [record.levelno for record in caplog.records if "EASYLLM_DISABLE" in record.message] == [logging.INFO]
