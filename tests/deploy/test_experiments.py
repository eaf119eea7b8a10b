"""EASYLLM_AB: each arm takes its share of calls; a user stays on one arm across processes."""

from __future__ import annotations

import math

import pytest

from easyllm_shim._config.experiments import Experiment, parse_experiments, sticky_point
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from .conftest import AB_CALLS, AB_PERCENT, ABRun, fresh_env, results_of, served, start_app

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"


def binomial_bounds(calls: int, percent: float, sigmas: float = 4) -> tuple[float, float]:
    """Counts outside these happen with probability < 1e-4 for a fair split: the test is not flaky."""
    p = percent / 100
    spread = sigmas * math.sqrt(calls * p * (1 - p))
    return calls * p - spread, calls * p + spread


def test_the_arm_serves_its_share_of_calls_in_a_fresh_interpreter(ab_run: ABRun) -> None:
    models = served(ab_run.results)

    low, high = binomial_bounds(AB_CALLS, AB_PERCENT)
    assert low <= models.count(LLAMA) <= high
    assert models.count(LLAMA) + models.count("gpt-4o-mini") == AB_CALLS
    streamed = [result for result in ab_run.results if result["stream"]]
    assert {model for result in streamed for model in result["served"]} == {LLAMA, "gpt-4o-mini"}
    assert all(result["content"] == "Hello there!" for result in ab_run.results if result["served"] == [LLAMA])
    assert all(result["content"] == "from openai" for result in ab_run.results if result["served"] == ["gpt-4o-mini"])


def test_a_user_stays_on_one_arm_across_processes(tgi: TGIServer, openai_api: OpenAIStandIn) -> None:
    users = [f"user-{n}" for n in range(16)]
    apps = [
        start_app(
            fresh_env(
                openai_api.url,
                HUGGINGFACE_API_BASE=tgi.url,
                HF_TOKEN=HF_TOKEN,
                EASYLLM_AB=f"gpt-4o-mini={LLAMA}:50",
                PYTHONHASHSEED=seed,  # str hashes differ between the processes; the arms must not
            ),
            "--calls",
            str(2 * len(users)),
            "--users",
            ",".join(users),
            "--stream-every",
            "2",
        )
        for seed in ("1", "2")
    ]
    arms = []
    for app in apps:
        results = results_of(app)
        by_user: dict[str, set[str]] = {}
        for result, model in zip(results, served(results), strict=True):
            by_user.setdefault(result["user"], set()).add(model)
        assert all(len(models) == 1 for models in by_user.values())  # within a process, streams included
        arms.append({user: models.pop() for user, models in by_user.items()})

    assert arms[0] == arms[1]
    assert set(arms[0].values()) == {LLAMA, "gpt-4o-mini"}


def test_sticky_points_are_fixed_by_experiment_and_user() -> None:
    # The first 8 bytes of sha256(b"gpt-4o-mini\0alice"): the same in every process, version and restart.
    assert sticky_point("gpt-4o-mini", "alice") == 0x906C2B70228A6BE7 / 2**64
    assert sticky_point("gpt-4o", "alice") != sticky_point("gpt-4o-mini", "alice")


def test_users_split_by_the_weights() -> None:
    [experiment] = parse_experiments(f"gpt-4o-mini={LLAMA}:30,{MISTRAL}:20").values()
    users = 20_000
    arms = [experiment.assign(f"user-{n}") for n in range(users)]

    for model, percent in ((LLAMA, 30), (MISTRAL, 20), (None, 50)):
        low, high = binomial_bounds(users, percent)
        assert low <= arms.count(model) <= high


def test_calls_without_a_user_draw_by_the_weights() -> None:
    experiment = Experiment("gpt-4o-mini", parse_experiments(f"gpt-4o-mini={LLAMA}:30")["gpt-4o-mini"].arms)
    calls = 20_000
    arms = [experiment.assign(None) for _ in range(calls)]

    low, high = binomial_bounds(calls, 30)
    assert low <= arms.count(LLAMA) <= high


@pytest.mark.parametrize(
    "spec",
    [
        f"gpt-4o-mini={LLAMA}:30,{MISTRAL}:20",
        f" gpt-4o-mini = {LLAMA}:30 , {MISTRAL}:20 ;",
        {"gpt-4o-mini": f"{LLAMA}:30,{MISTRAL}:20"},
        {"gpt-4o-mini": {LLAMA: 30, MISTRAL: 20.0}},
    ],
)
def test_the_string_and_mapping_forms_are_the_same_experiment(spec: object) -> None:
    [experiment] = parse_experiments(spec).values()  # type: ignore[arg-type]

    assert experiment.name == "gpt-4o-mini"
    assert [(arm.model, arm.percent) for arm in experiment.arms] == [(LLAMA, 30), (MISTRAL, 20)]


def test_model_ids_with_colons_keep_them() -> None:
    [experiment] = parse_experiments("gpt-4o=ft:gpt-4o:acme::abc123:25").values()

    assert [(arm.model, arm.percent) for arm in experiment.arms] == [("ft:gpt-4o:acme::abc123", 25)]
