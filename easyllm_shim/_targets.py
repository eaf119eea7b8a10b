"""What `patch()` wraps, as data: one row per method, per openai API generation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._router import Router

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]


@dataclass(frozen=True)
class Target:
    """`module` and `name` as `wrapt.wrap_function_wrapper` takes them; `wrapper` builds the wrapper from the router."""

    module: str
    name: str
    wrapper: Callable[[Router], Wrapper]


def _request(router: Router) -> Wrapper:
    return router.request


# Every chat entry point of openai >= 1 (create, raw and streaming responses, parse, stream, the
# module-level client, sync and async) reaches the network through these two methods; the SDK's
# retries loop below them, so each call passes here once. See docs/design.md.
TARGETS_V1 = (
    Target("openai._base_client", "SyncAPIClient.request", _request),
    Target("openai._base_client", "AsyncAPIClient.request", _request),
)


def installed_targets() -> tuple[Target, ...]:
    """The rows for the installed openai: 0.28's module-level API, or the client API of 1.x, 2.x and 3.x."""
    from importlib.metadata import version

    if version("openai").startswith("0."):
        from ._legacy import TARGETS_V0

        return TARGETS_V0
    return TARGETS_V1
