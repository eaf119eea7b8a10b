"""easyllm-shim: route openai SDK calls for Hugging Face models to Text Generation Inference.

    import easyllm_shim; easyllm_shim.patch()

See README.md for usage and docs/ for the details.

PYTEST_DONT_REWRITE: with EASYLLM_AUTOPATCH=1 this package is imported at interpreter start, before
pytest loads its plugin (easyllm_shim.testing.pytest_plugin); pytest then skips rewriting this module,
which has no asserts, instead of warning, an error where a project sets `filterwarnings = error`.
"""

from __future__ import annotations

from ._config.hub import is_hub_model
from ._config.settings import ConfigError
from ._patch import is_patched, patch, unpatch
from ._version import __version__

__all__ = ["ConfigError", "__version__", "is_hub_model", "is_patched", "patch", "unpatch"]
