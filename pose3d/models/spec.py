"""What pose3d knows about a model family besides its network code: one :class:`ModelSpec` per model.

A spec is plain data (no torch): the CLI, the config schema and the workflow read the registry
without importing a network. The network class is named as ``"module:Class"`` and imported by
:meth:`ModelSpec.network_class` when a model is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from pose3d.core.errors import InputError
from pose3d.data.skeleton import Skeleton


def import_object(reference: str) -> Any:
    """The object a ``"package.module:name"`` reference names."""
    module, _, name = reference.partition(":")
    return getattr(import_module(module), name)


@dataclass(frozen=True)
class ReleaseImport:
    """How a released checkpoint's parameter names become ours.

    ``renames``: (regex, replacement) pairs applied in order to every name (``module.`` prefixes are
    already gone). ``prepare``: ``"module:function"`` called as ``function(path, state, options, spec)``
    after the renames; it checks family-specific shapes and drops or fills entries, returning the state.
    """

    renames: tuple[tuple[str, str], ...] = ()
    prepare: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    """One model: everything a trainer, the config, the charts and the workflow need to know about it.

    ``frames``: input and output window (1: single-frame (B, J, C) -> (B, J, 3); else (B, frames, J, C)
    -> (B, frames, J, 3)). ``input_channels``: C, the 2D channels per joint (x, y; a third is the
    detector's confidence). ``predicts_root``: output joint 0 is the camera-space root position (joints
    1.. stay root-relative); otherwise joint 0 is zero or a root-relative prediction trained towards 0.
    ``defaults``: release values of the network's options, ``options_schema`` their JSON schema (the
    config's ``model_options``). ``recipes``: profile name -> training recipe; ``recipe_schema``: the JSON
    schema of the recipe's keys (a ``$ref`` into the config schema's ``$defs`` plus this family's extra
    keys). ``config_options``: model options whose default comes from a ``training:`` key of the config.
    ``train_priority``: higher trains first in the workflow (longest demo training first).
    ``sizes``: named presets of the options (the released sizes), chosen by the option ``size``; the
    preset's values are the defaults of that size. ``frames_option``: the option that sets the window
    (``frames`` is the window of the default options); such a model predicts every frame of its window.
    """

    name: str
    network: str
    skeleton: Skeleton = field(repr=False)
    frames: int
    predicts_root: bool
    defaults: Mapping[str, Any]
    options_schema: Mapping[str, Any] = field(repr=False)
    recipes: Mapping[str, Mapping[str, Any]] = field(repr=False)
    recipe_schema: Mapping[str, Any] = field(repr=False)
    color: str
    train_priority: int
    network_args: Mapping[str, Any] = field(default_factory=dict)
    input_channels: int = 2
    config_options: Mapping[str, str] = field(default_factory=dict)
    release: ReleaseImport = ReleaseImport()
    sizes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)
    frames_option: str | None = None

    @property
    def num_joints(self) -> int:
        return self.skeleton.num_joints

    @property
    def layout(self) -> str:
        """Joint layout name in :data:`pose3d.data.skeleton.LAYOUTS`."""
        return self.skeleton.name

    @property
    def temporal(self) -> bool:
        """Whether the model reads windows of frames rather than single frames."""
        return self.frames > 1

    def network_class(self) -> Any:
        """The ``nn.Module`` subclass (imports the family's module, and torch)."""
        return import_object(self.network)

    def options(self, given: Mapping[str, Any], source: str = "model_options") -> dict[str, Any]:
        """Release defaults (of the ``size`` given, for a model with sizes) overridden by ``given``; an
        option the network does not have is an error."""
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            raise InputError(
                source, f"a {self.name} model has no option {', '.join(unknown)} (options: {', '.join(self.defaults)})"
            )
        if not self.sizes:
            return {**self.defaults, **given}
        size = given.get("size", self.defaults["size"])
        if size not in self.sizes:
            raise InputError(source, f"size: a {self.name} model comes in sizes {', '.join(self.sizes)}, not {size!r}")
        return {**self.defaults, **self.sizes[size], **given}

    def network_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The network's keyword arguments for full ``options`` (the size preset is already applied)."""
        return {key: value for key, value in options.items() if not (self.sizes and key == "size")}

    def window(self, options: Mapping[str, Any]) -> int:
        """Frames in and out of the model built with full ``options``."""
        return int(options[self.frames_option]) if self.frames_option else self.frames

    def recipe(self, profile: str) -> dict[str, Any]:
        """A copy of the training recipe of ``profile``."""
        if profile not in self.recipes:
            known = ", ".join(self.recipes)
            raise InputError("training.profile", f"{self.name} has no {profile!r} recipe (has: {known})")
        entry = self.recipes[profile]
        return {**entry, "model_options": dict(entry.get("model_options", {}))}

    def train_window(self, recipe: Mapping[str, Any]) -> tuple[int, int]:
        """(chunk, padding) of the training windows: the recipe's, or for a model that predicts every frame
        a window every third of its length, as MotionBERT's and MotionAGFormer's data (``data_stride_train =
        n_frames // 3``)."""
        if self.frames_option:
            frames = self.window(self.options(recipe.get("model_options", {})))
            return frames // 3, (frames - frames // 3) // 2
        return int(recipe["window_chunk"]), int(recipe["window_pad"])

    def test_window(self, options: Mapping[str, Any] | None = None) -> tuple[int, int]:
        """(scored frames, padding each side) of the windows a test clip is cut into, as the release does:
        the recipe's, or the whole window for a model that predicts every frame."""
        if not self.temporal:
            return 1, 0
        if self.frames_option:
            return self.window(self.options(options or {})), 0
        paper = self.recipes["paper"]
        return int(paper["test_chunk"]), int(paper["test_pad"])
