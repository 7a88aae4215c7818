"""Side-by-side skeleton animations: the 2D input, then one 3D view per pose set (ground truth,
predictions), all 3D views sharing limits and the camera's viewing direction.

One figure is built per animation and only the artists change between frames; frames go straight
to the encoder: Pillow for GIF, the ffmpeg binary that ``imageio-ffmpeg`` ships for MP4.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)
import numpy as np  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402
from mpl_toolkits.mplot3d.axes3d import Axes3D  # noqa: E402
from PIL import Image  # noqa: E402

from pose3d.config.choices import ANIMATION_SUFFIXES  # noqa: E402
from pose3d.core.atomic import atomic_path, probe_write  # noqa: E402
from pose3d.core.errors import InputError  # noqa: E402
from pose3d.data.camera import optical_axis, rotate_to_world  # noqa: E402
from pose3d.data.skeleton import Skeleton  # noqa: E402
from pose3d.visualization.drawing import Skeleton2D, Skeleton3D  # noqa: E402
from pose3d.visualization.palette import CENTRE_COLOR, LEFT_COLOR, MODEL_COLORS, RIGHT_COLOR  # noqa: E402

#: Frame sizes are multiples of this (H.264 with yuv420p needs even sizes; 16 avoids rescaling).
MACRO_BLOCK = 16
DPI = 100


@dataclass(frozen=True)
class RenderOptions:
    """How an animation looks and is encoded (SemGCN's viz.py options, sizes in pixels)."""

    fps: float = 25.0
    size: int = 320  # pixels per panel, rounded up to a multiple of 16
    bitrate: int = 3000  # kbit/s, MP4 only
    elevation: float = 15.0  # degrees above the horizon of the 3D views


@dataclass
class Scene:
    """What to draw: poses of one sequence, frame by frame.

    ``keypoints`` (T, J, 2) pixels of an image of ``image_size`` (w, h); ``poses`` maps a panel title to
    (T, J, 3) root-relative poses in metres, in display axes (z up); ``azimuth`` (degrees) is the
    direction the 3D views look from. ``colors`` optionally colour panel titles; ``labels`` name each frame.
    """

    skeleton: Skeleton
    keypoints: np.ndarray
    image_size: tuple[float, float]
    poses: Mapping[str, np.ndarray]
    azimuth: float
    title: str = ""
    input_title: str = "2D input"
    colors: Mapping[str, str] = field(default_factory=dict)
    labels: Sequence[str] | None = None

    def __post_init__(self) -> None:
        frames = {len(self.keypoints), *(len(pose) for pose in self.poses.values())}
        if len(frames) != 1:
            raise ValueError(f"2D input and 3D poses differ in frame count: {sorted(frames)}")
        if not len(self.keypoints):
            raise ValueError("no frames to render")


def azimuth_facing(direction: np.ndarray) -> float:
    """Matplotlib azimuth (degrees) of a 3D view that looks along ``direction`` (display axes)."""
    return float(np.degrees(np.arctan2(-direction[1], -direction[0])))


def world_view(poses_cam: np.ndarray, subject: str, camera: str) -> tuple[np.ndarray, float]:
    """Camera-frame poses turned upright into world axes, and the azimuth that looks from that camera."""
    return rotate_to_world(poses_cam, subject, camera), azimuth_facing(optical_axis(subject, camera))


def camera_view(poses_cam: np.ndarray) -> tuple[np.ndarray, float]:
    """Display axes for an uncalibrated camera: x right, depth into the screen, up = -y; seen from the camera."""
    display = np.stack([poses_cam[..., 0], poses_cam[..., 2], -poses_cam[..., 1]], axis=-1)
    return display, azimuth_facing(np.array([0.0, 1.0, 0.0]))


def _round_up(pixels: int) -> int:
    return max(MACRO_BLOCK, -(-pixels // MACRO_BLOCK) * MACRO_BLOCK)


def _input_limits(keypoints: np.ndarray, image_size: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """A square window (pixels) around every shown 2D joint, inside the image where possible."""
    finite = keypoints[np.isfinite(keypoints).all(axis=-1)]
    low, high = (finite.min(axis=0), finite.max(axis=0)) if len(finite) else (np.zeros(2), np.array(image_size))
    centre, half = (low + high) / 2, (high - low).max() / 2 * 1.15 + 10
    return centre - half, centre + half


class _Figure:
    """The figure of one animation: drawn once in full, then only the skeletons and the frame label
    are redrawn over a saved background (blitting) and the canvas is read out frame by frame."""

    def __init__(self, scene: Scene, options: RenderOptions) -> None:
        self.scene = scene
        self.options_elevation = options.elevation
        panels = 1 + len(scene.poses)
        size = _round_up(options.size)
        self.fig = plt.figure(figsize=(panels * size / DPI, size / DPI), dpi=DPI, facecolor="white")
        self.canvas = FigureCanvasAgg(self.fig)
        self.font = max(6.0, 10.0 * size / 320)
        title_room = 2.1 * self.font * DPI / 72 / size  # a title line and its padding, as a share of the height
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.07, top=1 - title_room, wspace=0.05)
        self.ax2d = self.fig.add_subplot(1, panels, 1)
        low, high = _input_limits(scene.keypoints, scene.image_size)
        self.ax2d.set_xlim(low[0], high[0])
        self.ax2d.set_ylim(high[1], low[1])  # image rows grow downwards
        self.ax2d.set_aspect("equal")
        self.ax2d.set_xticks([])
        self.ax2d.set_yticks([])
        self.ax2d.set_title(scene.input_title, fontsize=self.font)
        self.input = Skeleton2D(self.ax2d, scene.skeleton)
        self.views = [self._view(panels, index, name, poses) for index, (name, poses) in enumerate(scene.poses.items())]
        self.fig.text(0.01, 0.03, scene.title, fontsize=self.font * 0.8, va="center")
        self.caption = self.fig.text(0.99, 0.03, "", fontsize=self.font * 0.8, va="center", ha="right")
        self.width, self.height = panels * size, size
        self.background = self._background()

    def _view(self, panels: int, index: int, name: str, poses: np.ndarray) -> tuple[Axes3D, Skeleton3D]:
        """One 3D panel; every panel gets the same limits (from the first pose set, the ground truth when shown)."""
        first = next(iter(self.scene.poses.values()))
        radius = max(0.9, 1.05 * float(np.nanmax(np.abs(first))))
        ax = self.fig.add_subplot(1, panels, index + 2, projection="3d")
        ax.view_init(elev=self.options_elevation, azim=self.scene.azimuth)
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_major_formatter(NullFormatter())
        ax.set_xlim3d(-radius, radius)
        ax.set_ylim3d(-radius, radius)
        ax.set_zlim3d(-radius, radius)
        ax.set_box_aspect((1, 1, 1), zoom=1.3)
        ax.set_title(name, fontsize=self.font, color=self.scene.colors.get(name, "black"))
        return ax, Skeleton3D(ax, self.scene.skeleton, poses[0])

    def _moving(self) -> list[Artist]:
        return [self.input.bones, self.input.joints, *(view.bones for _, view in self.views), self.caption]

    def _background(self) -> Any:
        """Everything that does not move, drawn once."""
        for artist in self._moving():
            artist.set_visible(False)
        self.canvas.draw()
        for artist in self._moving():
            artist.set_visible(True)
        return self.canvas.copy_from_bbox(self.fig.bbox)

    def frame(self, index: int) -> np.ndarray:
        """The RGB image (H, W, 3) of one frame."""
        scene = self.scene
        canvas = self.canvas
        canvas.restore_region(self.background)
        self.input.update(scene.keypoints[index])
        self.ax2d.draw_artist(self.input.bones)
        self.ax2d.draw_artist(self.input.joints)
        for (ax, view), poses in zip(self.views, scene.poses.values()):
            view.update(poses[index])
            view.bones.do_3d_projection()
            ax.draw_artist(view.bones)
        label = scene.labels[index] if scene.labels is not None else f"frame {index}"
        self.caption.set_text(label)
        self.fig.draw_artist(self.caption)
        return np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])

    def close(self) -> None:
        plt.close(self.fig)


@contextmanager
def _gif_writer(path: Path, fps: float) -> Iterator[list[Image.Image]]:
    """Collect palette images (1 byte per pixel) and write them as a looping GIF."""
    frames: list[Image.Image] = []
    yield frames
    frames[0].save(
        path, format="GIF", save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0, optimize=False
    )


@cache
def _gif_palette() -> np.ndarray:
    """A fixed palette (256 x RGB): greys from black to pure white, and every figure colour blended
    with white (antialiased edges), so colours stay exact and do not flicker between frames."""
    colors = [CENTRE_COLOR, LEFT_COLOR, RIGHT_COLOR, "#000000", *MODEL_COLORS.values()]
    base = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colors], dtype=float)
    blend = np.linspace(0.0, 1.0, 16)[:-1, None, None]
    entries = (base[None] * (1 - blend) + 255.0 * blend).reshape(-1, 3)
    greys = np.repeat(np.linspace(0, 255, 256 - len(entries))[:, None], 3, axis=1)
    return np.concatenate([entries, greys]).round().astype(np.int32)


def _to_palette(rgb: np.ndarray) -> Image.Image:
    """A frame as a palette image (1 byte per pixel) in :func:`_gif_palette`, each colour mapped to
    its exact nearest entry (Pillow's own lookup is approximate: white came out as 253)."""
    table = _gif_palette()
    packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    keys, inverse = np.unique(packed.reshape(-1), return_inverse=True)
    colours = np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], axis=1)
    nearest = ((colours[:, None, :] - table[None]) ** 2).sum(axis=2).argmin(axis=1).astype(np.uint8)
    image = Image.fromarray(nearest[inverse].reshape(rgb.shape[:2]), mode="P")
    image.putpalette(table.astype(np.uint8).reshape(-1).tolist())
    return image


def render_animation(scene: Scene, out: str | Path, options: RenderOptions | None = None) -> int:
    """Write ``scene`` as ``out`` (.gif or .mp4, atomically); returns the number of frames written."""
    options = options or RenderOptions()
    out = Path(out)
    if out.suffix not in ANIMATION_SUFFIXES:
        raise ValueError(f"{out}: animation format must be one of {', '.join(ANIMATION_SUFFIXES)}")
    figure = _Figure(scene, options)
    try:
        with atomic_path(out, suffix=out.suffix) as tmp:
            if out.suffix == ".gif":
                with _gif_writer(tmp, options.fps) as frames:
                    for index in range(len(scene.keypoints)):
                        frames.append(_to_palette(figure.frame(index)))
            else:
                written = _write_mp4(tmp, figure, options)
                if written != len(scene.keypoints):
                    probe_write(tmp)  # a disk that refused ffmpeg's writes raises its own error here
                    raise InputError(out, f"ffmpeg wrote {written} of {len(scene.keypoints)} frames")
    finally:
        figure.close()
    return len(scene.keypoints)


def _write_mp4(path: Path, figure: _Figure, options: RenderOptions) -> int:
    """Encode the figure's frames with ffmpeg; returns the frames the written file holds (0: none readable)."""
    import imageio_ffmpeg

    writer = imageio_ffmpeg.write_frames(
        str(path),
        (figure.width, figure.height),
        fps=options.fps,
        codec="libx264",
        bitrate=f"{options.bitrate}k",
        quality=None,
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        macro_block_size=MACRO_BLOCK,
        ffmpeg_log_level="quiet",  # its failures are found below, and said in one line
    )
    frames = len(figure.scene.keypoints)
    try:
        writer.send(None)
        for index in range(frames):
            writer.send(figure.frame(index))
        writer.close()
        written = imageio_ffmpeg.count_frames_and_secs(str(path))[0]  # read back: ffmpeg's exit status is lost
    except (OSError, RuntimeError):
        written = 0
    return written


def lifted_scene(
    skeleton: Skeleton,
    keypoints: np.ndarray,
    image_size: tuple[float, float],
    prediction_cam: np.ndarray,
    title: str = "",
    name: str = "prediction",
    color: str = "black",
) -> Scene:
    """A scene without ground truth (e.g. ``pose3d lift --render``): 2D input (pixels) beside the lifted
    3D pose, given root-relative in the camera frame (metres) and seen from the camera."""
    display, azimuth = camera_view(prediction_cam)
    return Scene(skeleton, keypoints, image_size, {name: display}, azimuth, title=title, colors={name: color})
