"""textual-image's widgets, imported before the App owns the terminal: their module reads the cell size from it.

Apart from ``image_view`` so that the launch does not import the preview widgets (and their renderers) on the way
to Home's first frame."""

from __future__ import annotations


def load_graphics_widgets() -> None:
    import textual_image.widget  # noqa: F401
