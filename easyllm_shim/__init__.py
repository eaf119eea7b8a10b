"""easyllm-shim: route openai SDK calls for Hugging Face models to Text Generation Inference.

    import easyllm_shim; easyllm_shim.patch()

See README.md for usage and docs/ for the details.
"""

from __future__ import annotations

from ._config.hub import is_hub_model
from ._config.settings import ConfigError
from ._patch import is_patched, patch, unpatch
from ._version import __version__

__all__ = ["ConfigError", "__version__", "is_hub_model", "is_patched", "patch", "unpatch"]
