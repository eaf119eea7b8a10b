"""A/B experiments: the `EASYLLM_AB` syntax, and which arm serves one call.

An experiment is named after the requested model; each arm takes a percentage of its calls and the
rest stay on the requested model. With a user id the arm is a pure function of (experiment, user),
so a user stays on one arm across processes and restarts; without one, each call draws at random.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass

from .syntax import model_id, pairs

# Our own generator: an application that seeds `random` for its own reproducibility does not make
# the split deterministic, and forked workers (gunicorn --preload) do not draw the same sequence.
_random = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_random.seed)

ArmSpec = str | Mapping[str, float]
ExperimentsSpec = str | Mapping[str, ArmSpec]


@dataclass(frozen=True, slots=True)
class Arm:
    model: str
    percent: float


@dataclass(frozen=True, slots=True)
class Experiment:
    """Calls for `name` (the requested model): each arm serves its percentage, the rest stay on `name`."""

    name: str
    arms: tuple[Arm, ...]

    def assign(self, user: str | None) -> str | None:
        """The arm's model for this call, or None for the requested model itself."""
        point = _random.random() if user is None else sticky_point(self.name, user)
        threshold = 0.0
        for arm in self.arms:
            threshold += arm.percent / 100
            if point < threshold:
                return arm.model
        return None


def sticky_point(experiment: str, user: str) -> float:
    """A point in [0, 1) fixed by (experiment, user): sha256, so it ignores PYTHONHASHSEED and restarts."""
    digest = hashlib.sha256(f"{experiment}\0{user}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def parse_experiments(spec: ExperimentsSpec) -> dict[str, Experiment]:
    """`requested=arm:30,arm2:20;other=arm:5`, or the same as a mapping. ValueError names the bad part."""
    entries: Mapping[str, ArmSpec] = pairs(spec) if isinstance(spec, str) else spec
    if not isinstance(entries, Mapping):
        raise ValueError(f"expected a string or a mapping, got {type(spec).__name__}")
    experiments: dict[str, Experiment] = {}
    for name, arms in entries.items():
        name = model_id(name, "experiment ")
        if name in experiments:  # keys that differ only in surrounding spaces
            raise ValueError(f"experiment {name!r} is given twice")
        experiments[name] = Experiment(name, _parse_arms(name, arms))
    return experiments


def _parse_arms(name: str, spec: ArmSpec) -> tuple[Arm, ...]:
    pairs: list[tuple[str, object]]
    if isinstance(spec, str):
        pairs = [_split_arm(name, text) for text in spec.split(",") if text.strip()]
    elif isinstance(spec, Mapping):
        pairs = list(spec.items())
    else:
        raise ValueError(f"experiment {name!r}: expected arms as a string or a mapping, got {type(spec).__name__}")
    if not pairs:
        raise ValueError(f"experiment {name!r} has no arms")
    arms: list[Arm] = []
    for model, percent in pairs:
        model = model_id(model, f"experiment {name!r}: arm ")
        if model == name:
            raise ValueError(f"experiment {name!r}: the arm {model!r} is the requested model itself")
        if any(arm.model == model for arm in arms):
            raise ValueError(f"experiment {name!r}: arm {model!r} is given twice")
        arms.append(Arm(model, _percent(name, model, percent)))
    total = sum(arm.percent for arm in arms)
    if total > 100:
        raise ValueError(f"experiment {name!r}: the arms add up to {total:g}%, more than 100%")
    return tuple(arms)


def _split_arm(name: str, text: str) -> tuple[str, str]:
    # Model ids may contain ':' (`ft:gpt-4o:org::id`), so the percentage is after the last one.
    model, colon, percent = text.rpartition(":")
    if not colon:
        raise ValueError(f"experiment {name!r}: {text.strip()!r} is not of the form model:percent")
    return model, percent


def _percent(name: str, model: str, value: object) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise TypeError
        percent = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"experiment {name!r}: arm {model!r} has percent {value!r}, not a number") from None
    if not 0 <= percent <= 100:  # also refuses nan
        raise ValueError(f"experiment {name!r}: arm {model!r} has percent {percent:g}, outside 0-100")
    return percent
