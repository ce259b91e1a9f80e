"""Default signature images, made when none was uploaded: the signer's name as a blue
handwritten-looking signature, and the agency's round red seal with its name around the rim.
Both are transparent PNGs (Decree 30/2020, appendix: blue signature, red seal)."""

from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from tinhso.core.fonts import noto_serif

BLUE = (18, 48, 170, 255)
RED = (206, 17, 38, 255)
SEAL_PX = 432  # 36 mm at ~300 dpi (the decree asks 200 dpi or more): bigger costs signing time


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=256)
def signature_png(name: str) -> bytes:
    """The name in blue italic with an underline flourish, on a transparent background."""
    font = ImageFont.truetype(str(noto_serif(400, italic=True, layout=False)), 72)
    left, top, right, bottom = font.getbbox(name)
    width, height = int(right - left) + 60, int(bottom - top) + 68
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((30 - left, 15 - top), name, font=font, fill=BLUE)
    y = height - 30
    points = [(22 + i * (width - 44) / 40, y - 10 * math.sin(i / 40 * math.pi * 1.5))
              for i in range(41)]
    draw.line(points, fill=BLUE, width=4)
    return _png(image)


def _text_on_circle(image: Image.Image, text: str, radius: float, font: ImageFont.FreeTypeFont,
                    fill: tuple[int, int, int, int]) -> None:
    """Letters along the upper rim of a circle, reading clockwise from the left."""
    centre = image.width / 2
    advance = [font.getlength(ch) for ch in text]
    total = sum(advance) / radius  # radians the text spans
    angle = -math.pi / 2 - total / 2
    for ch, adv in zip(text, advance, strict=True):
        mid = angle + adv / radius / 2
        # Tall enough for the marks above Vietnamese capitals (Ỉ, Ố), drawn on the baseline.
        glyph = Image.new("RGBA", (int(adv) + 8, int(font.size * 2)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, font.size * 1.35), ch, font=font, fill=fill, anchor="ls")
        rotated = glyph.rotate(-math.degrees(mid + math.pi / 2), expand=True,
                               resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(mid) - rotated.width / 2
        y = centre + radius * math.sin(mid) - rotated.height / 2
        image.alpha_composite(rotated, (int(x), int(y)))
        angle += adv / radius


@lru_cache(maxsize=256)
def seal_png(agency_name: str) -> bytes:
    """A round red seal: two rims, the agency's name along the top, a star in the middle."""
    size = SEAL_PX
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    k = size / 600  # the geometry below is drawn for a 600 px seal
    draw.ellipse((6 * k, 6 * k, size - 6 * k, size - 6 * k), outline=RED, width=round(10 * k))
    draw.ellipse((76 * k, 76 * k, size - 76 * k, size - 76 * k), outline=RED,
                 width=max(2, round(5 * k)))
    text = agency_name.upper()
    font_size = round(k * max(20, min(40, int(1300 / (0.62 * max(len(text), 1))))))
    font = ImageFont.truetype(str(noto_serif(700, layout=False)), font_size)
    baseline = size / 2 - 76 * k + 0.3 * font_size  # just outside the inner ring
    _text_on_circle(image, text, baseline + 0.35 * font_size, font, RED)
    c, r = size / 2, 70 * k
    star = [(c + (r if i % 2 == 0 else r * 0.4) * math.cos(-math.pi / 2 + i * math.pi / 5),
             c + (r if i % 2 == 0 else r * 0.4) * math.sin(-math.pi / 2 + i * math.pi / 5))
            for i in range(10)]
    draw.polygon(star, fill=RED)
    return _png(image)
