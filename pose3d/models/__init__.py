"""The lifting models behind one registry (:mod:`pose3d.models.registry`): ``build(name, **options)``.

Importing this package imports no torch; :func:`build` imports the family's network module.
"""

from __future__ import annotations

from typing import Any

from pose3d.models.registry import MODELS, UnknownModel, get
from pose3d.models.spec import ModelSpec

__all__ = ["MODELS", "ModelSpec", "UnknownModel", "build", "get"]


def build(name: str, **options: Any) -> Any:
    """Construct model ``name`` (an ``nn.Module``) with release defaults overridden by ``options``."""
    spec = get(name)
    return spec.network_class()(**spec.network_args, **spec.network_options(spec.options(options)))
