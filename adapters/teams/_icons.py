"""The Teams app icons, drawn in code: a white speech bubble with lines of text.

``manifest/teams/color.png`` (192x192, full-colour background) and ``outline.png`` (32x32,
white on transparent) are the output of ``write_icons``; a test keeps them in step with this
drawing. PNG encoding is done here with zlib and struct, so no imaging library is needed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

__all__ = ["ACCENT", "color_icon", "encode_png", "icon_pixels", "outline_icon", "write_icons"]

ACCENT = (0x1E, 0x5A, 0xA8)  # the manifest's accentColor, #1E5AA8
WHITE = (255, 255, 255)
SAMPLES = 4  # supersampling per axis, for smooth edges

Box = tuple[float, float, float, float]
Shape = Callable[[float, float], bool]
Pixel = tuple[int, int, int, int]


def _rounded(box: Box, radius: float) -> Shape:
    x0, y0, x1, y1 = box

    def inside(x: float, y: float) -> bool:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        cx = min(max(x, x0 + radius), x1 - radius)
        cy = min(max(y, y0 + radius), y1 - radius)
        return (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius

    return inside


def _triangle(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> Shape:
    def side(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])

    def inside(x: float, y: float) -> bool:
        d1, d2, d3 = side(a, b, x, y), side(b, c, x, y), side(c, a, x, y)
        negative = d1 < 0 or d2 < 0 or d3 < 0
        positive = d1 > 0 or d2 > 0 or d3 > 0
        return not (negative and positive)

    return inside


def _bubble(scale: float) -> tuple[Shape, Shape, list[Shape]]:
    """The bubble's outer shape, its inner area (for the outline) and its text lines, drawn on a
    192-unit grid and scaled to the icon's size."""

    def box(x0: float, y0: float, x1: float, y1: float, radius: float) -> Shape:
        return _rounded((x0 * scale, y0 * scale, x1 * scale, y1 * scale), radius * scale)

    def point(x: float, y: float) -> tuple[float, float]:
        return x * scale, y * scale

    body = box(30, 36, 162, 130, 22)
    tail = _triangle(point(54, 120), point(92, 120), point(44, 160))
    inner = box(42, 48, 150, 118, 12)
    lines = [box(56, 60, 136, 71, 5), box(56, 78, 136, 89, 5), box(56, 96, 112, 107, 5)]
    return (lambda x, y: body(x, y) or tail(x, y)), inner, lines


def _coverage(shape: Shape, px: int, py: int) -> float:
    step = 1.0 / SAMPLES
    hits = sum(
        shape(px + (i + 0.5) * step, py + (j + 0.5) * step)
        for i in range(SAMPLES)
        for j in range(SAMPLES)
    )
    return hits / (SAMPLES * SAMPLES)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return r, g, bl


def icon_pixels(kind: str) -> list[list[Pixel]]:
    """The icon's RGBA pixels, row by row: ``color`` (192x192) or ``outline`` (32x32)."""
    size = 192 if kind == "color" else 32
    outer, inner, lines = _bubble(size / 192)
    text: Shape = lambda x, y: any(line(x, y) for line in lines)  # noqa: E731
    rows: list[list[Pixel]] = []
    for py in range(size):
        row: list[Pixel] = []
        for px in range(size):
            if kind == "color":
                white = _coverage(lambda x, y: outer(x, y) and not text(x, y), px, py)
                row.append((*_mix(ACCENT, WHITE, white), 255))
            else:
                ring = _coverage(lambda x, y: outer(x, y) and not inner(x, y), px, py)
                ink = max(ring, _coverage(text, px, py))
                row.append((*WHITE, round(255 * ink)))
        rows.append(row)
    return rows


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(rows: list[list[Pixel]]) -> bytes:
    """An 8-bit RGBA PNG of ``rows``."""
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(v for pixel in row for v in pixel) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def color_icon() -> bytes:
    return encode_png(icon_pixels("color"))


def outline_icon() -> bytes:
    return encode_png(icon_pixels("outline"))


def write_icons(folder: Path) -> None:
    """Write ``color.png`` and ``outline.png`` into ``folder``."""
    (folder / "color.png").write_bytes(color_icon())
    (folder / "outline.png").write_bytes(outline_icon())
