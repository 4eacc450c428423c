"""Shared by the preview tests: colours, a tolerant pixel comparison and an edited image pair."""

from __future__ import annotations

from PIL import Image

RED, BLUE, GREEN, WHITE, BLACK = (255, 0, 0), (0, 0, 255), (0, 160, 0), (255, 255, 255), (0, 0, 0)


def _near(a: tuple[int, ...], b: tuple[int, ...], tol: int = 12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def _edited(size: tuple[int, int] = (100, 100)) -> tuple[Image.Image, Image.Image]:
    ref = Image.new("RGB", size, (120, 120, 120))
    out = ref.copy()
    out.paste((200, 40, 40), (20, 20, 40, 60))  # 20×40 = 800 changed pixels
    out.paste((130, 126, 114), (60, 60, 100, 100))  # a small drift (≤ 10) everywhere else: not a change
    return out, ref
