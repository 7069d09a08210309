"""Draw the add-in's icons (16/32/64/80 px PNG) with the standard library only.

Run `python manifest/make_icons.py` to regenerate them; the PNGs are committed so nothing
is drawn at run time. The picture: a calm blue rounded square with a white document and a
small check mark (the person reviews what the AI wrote).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

SIZES = (16, 32, 64, 80)
BLUE = (0x1F, 0x5A, 0x96)
WHITE = (0xFF, 0xFF, 0xFF)
GREEN = (0x2E, 0x8B, 0x57)
SAMPLES = 4  # supersampling per axis, for smooth edges


def _rounded_rect(x: float, y: float, x0: float, y0: float, x1: float, y1: float, r: float) -> bool:
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _segment_dist(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return ((x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2) ** 0.5


def _shade(u: float, v: float) -> tuple[tuple[int, int, int], float]:
    """Colour and coverage at unit coordinates (0..1) of the icon."""
    if not _rounded_rect(u, v, 0.0, 0.0, 1.0, 1.0, 0.18):
        return (0, 0, 0), 0.0
    colour = BLUE
    if _rounded_rect(u, v, 0.24, 0.16, 0.70, 0.84, 0.05):
        colour = WHITE
        for line_y in (0.32, 0.45, 0.58):
            if 0.32 <= u <= 0.62 and abs(v - line_y) <= 0.035:
                colour = BLUE
    check = min(
        _segment_dist(u, v, (0.52, 0.70), (0.62, 0.80)),
        _segment_dist(u, v, (0.62, 0.80), (0.86, 0.52)),
    )
    if check <= 0.065:
        colour = GREEN
    return colour, 1.0


def render(size: int, shade: Callable[[float, float], tuple[tuple[int, int, int], float]] = _shade) -> bytes:
    """RGBA PNG bytes of the icon at `size` pixels."""
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter type 0 for every scanline
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    u = (px + (sx + 0.5) / SAMPLES) / size
                    v = (py + (sy + 0.5) / SAMPLES) / size
                    (r, g, b), a = shade(u, v)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            n = SAMPLES * SAMPLES
            alpha = acc[3] / n
            if alpha > 0:
                row += bytes(round(c / acc[3]) for c in acc[:3])
            else:
                row += b"\0\0\0"
            row.append(round(alpha * 255))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    here = Path(__file__).resolve().parent
    for size in SIZES:
        (here / f"icon-{size}.png").write_bytes(render(size))


if __name__ == "__main__":
    main()
