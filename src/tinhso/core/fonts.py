"""Static cuts of Noto Serif (the `fontpkg_noto_serif` package), made once and kept on disk.

The package ships variable fonts. Using them directly costs time on every use (WeasyPrint
instantiates them per render; pyHanko re-subsets the whole font and parses its layout tables
per signature, ~300 ms), so we cut a static instance limited to Latin and Vietnamese, once per
installation, under `<VAR_DIR>/cache/fonts/`. Stamp fonts also drop the layout tables
(GSUB/GPOS/GDEF): pyHanko renders Vietnamese from precomposed letters and the stamp comes out
the same, for a few milliseconds instead of hundreds. Used by the slips (`onestop/slips.py`)
and the signature stamps (`signing`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings

RANGES = (
    (0x20, 0x7E), (0xA0, 0x24F), (0x2B0, 0x36F),  # Latin, spacing and combining marks
    (0x1E00, 0x1EFF),  # Latin Extended Additional: the precomposed Vietnamese letters
    (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x215F), (0x2190, 0x21FF),  # punctuation, ₫, №, →
    (0x2212, 0x2212), (0x25A0, 0x25FF), (0x2610, 0x2612), (0x2713, 0x2717),  # −, ■ □, ☐ ☑, ✓ ✗
)
SOURCES = {False: "NotoSerif[wdth,wght].ttf", True: "NotoSerif-Italic[wdth,wght].ttf"}


class FontMissing(RuntimeError):
    """The fontpkg-noto-serif package (a project dependency) is not installed."""


def cache_dir() -> Path:
    base = getattr(settings, "VAR_DIR", None)
    return Path(base if base else tempfile.gettempdir()) / "cache" / "fonts"


def source(italic: bool = False) -> Path:
    try:
        import fontpkg_noto_serif  # type: ignore[import-not-found]
    except ImportError as exc:
        raise FontMissing("fontpkg-noto-serif is not installed") from exc
    path = Path(fontpkg_noto_serif.ROOT) / "files" / SOURCES[italic]
    if not path.exists():
        raise FontMissing(f"{path} is missing")
    return path


def cut(src: Path, weight: int, target: Path, *, layout: bool) -> Path:
    """A static instance of the variable font `src` at `weight`, Latin and Vietnamese only;
    without layout tables when `layout` is false. Written atomically, kept for good."""
    if target.exists():
        return target
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    target.parent.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    options.layout_features = ["*"] if layout else []
    if not layout:
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "STAT", "DSIG"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for a, b in RANGES for c in range(a, b + 1)])
    font = TTFont(src)
    subsetter.subset(font)
    font = instantiateVariableFont(font, {"wght": weight, "wdth": 100}, updateFontNames=False)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".ttf")
    os.close(fd)
    font.save(tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target


def noto_serif(weight: int = 400, *, italic: bool = False, layout: bool = True) -> Path:
    """The path of a static Noto Serif cut (made on first use, ~2 s)."""
    src = source(italic)
    key = src.stat().st_size  # an updated font package is re-cut
    name = f"{key}-NotoSerif-{'Italic-' if italic else ''}{weight}{'' if layout else '-nolayout'}.ttf"
    return cut(src, weight, cache_dir() / name, layout=layout)
