"""Which model serves a call when a model map, an experiment or a fallback names the requested model.

Pure: built once per configuration, asked once per call, no I/O. The order is fixed:
1. an experiment on the requested model may pick one of its arms;
2. otherwise the model map may rewrite the requested model (the experiment's control arm);
3. the fallback of the chosen model, if any, is where the call goes when that model's server fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._config.experiments import Experiment

# Request fields that identify the end user, in the order they are asked; OpenAI's
# `safety_identifier` is the successor of `user`.
_USER_FIELDS = ("user", "safety_identifier")


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one call goes. `experiment` is set when an experiment chose `model` (control arm included)."""

    requested: str
    model: str
    experiment: str | None
    fallback: str | None


@dataclass(frozen=True, slots=True)
class Rule:
    requested: str
    control: str
    experiment: Experiment | None
    fallbacks: Mapping[str, str]

    def decide(self, body: Mapping[str, Any]) -> Decision:
        model, experiment = self.control, self.experiment
        if experiment is not None:
            model = experiment.assign(request_user(body)) or self.control
        return Decision(self.requested, model, experiment.name if experiment else None, self.fallbacks.get(model))


def request_user(body: Mapping[str, Any]) -> str | None:
    for name in _USER_FIELDS:
        user = body.get(name)
        if isinstance(user, str) and user:
            return user
    return None


def build_rules(
    model_map: Mapping[str, str], experiments: Mapping[str, Experiment], fallback: Mapping[str, str]
) -> dict[str, Rule]:
    """One rule per model id that any of the three mentions as requested, so a call needs one dict lookup."""
    return {
        model: Rule(model, model_map.get(model, model), experiments.get(model), fallback)
        for model in {**model_map, **experiments, **fallback}
    }
