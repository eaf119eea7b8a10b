"""`easyllm-shim doctor`: effective configuration with secrets redacted, where models go, endpoint health."""

from __future__ import annotations

import subprocess
import sys

from easyllm_shim._config.redact import redact_token as redact
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..sdk import OPENAI_KEY
from ..wire import refused_url
from .conftest import fresh_env

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"


def doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "easyllm_shim", "doctor", "--timeout", "2"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_doctor_shows_the_configuration_routes_and_endpoint_health_without_secrets(tgi: TGIServer) -> None:
    down = refused_url()
    env = fresh_env(
        "http://127.0.0.1:9/v1",
        HF_TOKEN=HF_TOKEN,
        HUGGINGFACE_API_BASE=tgi.url,
        EASYLLM_MODEL_MAP=f"gpt-3.5-turbo={LLAMA}",
        EASYLLM_ENDPOINTS=f"{MISTRAL}={down}",
        EASYLLM_AB=f"gpt-4o-mini={MISTRAL}:30",
        EASYLLM_FALLBACK=f"{MISTRAL}=gpt-4o-mini",
    )

    done = doctor(env)

    out = done.stdout
    assert done.returncode == 1, done.stderr  # one endpoint is down
    assert HF_TOKEN not in out
    assert OPENAI_KEY not in out
    assert f"{redact(HF_TOKEN)} (HF_TOKEN)" in out
    assert "OpenAI key           set (never shown)" in out
    assert f"    30%  -> {MISTRAL}: TGI {down}\n           if that fails -> gpt-4o-mini: OpenAI" in out
    assert "    70%  -> gpt-4o-mini: OpenAI" in out
    assert "  o3\n      all  -> o3: OpenAI" in out
    assert f"  gpt-3.5-turbo\n      all  -> {LLAMA}: TGI {tgi.url}" in out
    assert f"  {tgi.url}\n    /health: 200\n    /info: 200  model_id={LLAMA}" in out
    assert f"  {down}\n    /health: failed: URLError" in out


def test_doctor_reports_a_bad_configuration_and_stops() -> None:
    done = doctor(fresh_env("http://127.0.0.1:9/v1", EASYLLM_AB="gpt-4o-mini"))

    assert done.returncode == 2
    assert "configuration error: EASYLLM_AB: 'gpt-4o-mini' is not of the form model=value" in done.stdout


def test_tokens_are_redacted_to_their_last_four_characters() -> None:
    assert redact("hf_abcdefghijklmnopWXYZ") == "hf_***WXYZ"
    assert redact("a-self-hosted-secret-1234") == "***1234"
    assert redact("hf_short") == "hf_***"


def test_doctor_does_not_follow_a_redirect_with_the_token(tgi: TGIServer) -> None:
    """Issue 15: urllib re-sent `Authorization` to wherever a 302 pointed, and reported that host's health."""
    with TGIServer() as elsewhere:
        tgi.fail_next(302, headers={"location": f"{elsewhere.url}/health"}, path="/health")

        done = doctor(fresh_env("http://127.0.0.1:9/v1", HF_TOKEN=HF_TOKEN, HUGGINGFACE_API_BASE=tgi.url))

        assert elsewhere.requests == []
    assert done.returncode == 1, done.stderr
    assert "/health: 302, a redirect: not followed" in done.stdout


def test_doctor_shows_urls_without_their_credentials(tgi: TGIServer) -> None:
    """Issue 15: userinfo, `?api_key=` values and an OPENAI_BASE_URL with credentials were printed."""
    host = tgi.url.removeprefix("http://")
    env = fresh_env(
        "http://openai-user:openai-password@127.0.0.1:9/v1?api_key=sk-in-the-query",
        HF_TOKEN=HF_TOKEN,
        HUGGINGFACE_API_BASE=f"http://tgi-user:tgi-password@{host}",
        EASYLLM_ENDPOINTS=f"{MISTRAL}=http://127.0.0.1:9/v1?api-key=azure-secret&api-version=1",
    )

    done = doctor(env)

    out = done.stdout
    for secret in ("openai-password", "sk-in-the-query", "tgi-password", "azure-secret", "openai-user", "tgi-user"):
        assert secret not in out
    assert f"http://***@{host}" in out
    assert "?api-key=***&api-version=1" in out
    # The check carries the URL's credentials, as Basic auth, to the server they name.
    assert f"  http://{host}\n    /health: 200" in out
    health = next(request for request in tgi.requests if request.path == "/health")
    assert health.headers["authorization"] == "Basic dGdpLXVzZXI6dGdpLXBhc3N3b3Jk"  # tgi-user:tgi-password


def test_doctor_checks_every_replica_of_a_model(tgi: TGIServer) -> None:
    down = refused_url()
    env = fresh_env("http://127.0.0.1:9/v1", HF_TOKEN=HF_TOKEN, EASYLLM_ENDPOINTS=f"{LLAMA}={tgi.url},{down}")

    done = doctor(env)

    out = done.stdout
    assert done.returncode == 1, done.stderr  # one replica is down
    assert f"      all  -> {LLAMA}: TGI {tgi.url}, {down}" in out
    assert f"  {tgi.url}\n    /health: 200\n    /info: 200  model_id={LLAMA}" in out
    assert f"  {down}\n    /health: failed: URLError" in out
