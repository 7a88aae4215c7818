"""A self-contained HTML page showing an animation inline (the Snakemake report shows HTML, not GIF)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from pose3d.core.atomic import atomic_path


def animation_page(animation: str | Path, out: str | Path, title: str) -> None:
    """Write ``out``: ``title`` above the GIF ``animation``, embedded as a data URI (no side files)."""
    data = base64.b64encode(Path(animation).read_bytes()).decode("ascii")
    text = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>\n"
        "<body style='margin:0;font-family:sans-serif'>\n"
        f"<p style='margin:6px'>{html.escape(title)}</p>\n"
        f"<img alt='{html.escape(title)}' style='max-width:100%' src='data:image/gif;base64,{data}'>\n"
        "</body></html>\n"
    )
    with atomic_path(out, suffix=".html") as tmp:
        tmp.write_text(text)
