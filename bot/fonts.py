"""The fonts our PDFs draw with (the printed invitation and the report), found on this machine.

DejaVu Sans ships with matplotlib (Latin, Cyrillic, Arabic script with its OpenType shaping
tables); Noto Sans Ethiopic, when installed (Debian package `fonts-noto-core`), fills in Tigrinya.
fpdf2 shapes and orders right-to-left text itself with HarfBuzz (`set_text_shaping`, package
`uharfbuzz`), so no text is reshaped by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _font_dirs() -> list[Path]:
    dirs = []
    try:
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        pass
    dirs += [
        Path("/usr/share/fonts/truetype"),
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
    ]
    return dirs


@cache
def find_font(file_name: str) -> Path | None:
    """A TrueType font file by name, from matplotlib's fonts or the system's."""
    for folder in _font_dirs():
        if (folder / file_name).is_file():
            return folder / file_name
        if folder.is_dir():
            for found in sorted(folder.rglob(file_name)):
                return found
    return None


@dataclass(frozen=True)
class FontFace:
    key: str
    regular: Path
    bold: Path


@cache
def font_faces() -> tuple[FontFace, ...]:
    """The fonts we draw with, main one first; each later one fills glyphs the others lack."""
    faces = []
    for key, regular, bold in (
        ("dejavu", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("ethiopic", "NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
    ):
        r, b = find_font(regular), find_font(bold)
        if r is not None:
            faces.append(FontFace(key, r, b or r))
    if not faces:
        raise RuntimeError("no DejaVu Sans font found (it ships with matplotlib)")
    return tuple(faces)


@cache
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def face_for(char: str) -> FontFace | None:
    """The first font that has a glyph for this character."""
    if char.isspace():
        return font_faces()[0]
    for face in font_faces():
        if ord(char) in _cmap(face.regular):
            return face
    return None


def printable(text: str) -> bool:
    """Every character can be drawn by one of our fonts."""
    return all(face_for(c) is not None for c in BIDI_CONTROLS.sub("", text))


def harfbuzz_available() -> bool:
    """fpdf2 shapes text with HarfBuzz when the `uharfbuzz` package is installed."""
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def add_fonts(pdf: Any) -> str:
    """Register our fonts (regular and bold) on an FPDF document; the main family's name."""
    faces = font_faces()
    for face in faces:
        pdf.add_font(face.key, "", str(face.regular))
        pdf.add_font(face.key, "B", str(face.bold))
    pdf.set_fallback_fonts([face.key for face in faces[1:]])
    return faces[0].key


def close_fonts(pdf: Any) -> None:
    """fpdf2 keeps each font file open (fontTools, lazy): close them."""
    for font in pdf.fonts.values():
        closer = getattr(font, "close", None)
        if closer is not None:
            closer()
