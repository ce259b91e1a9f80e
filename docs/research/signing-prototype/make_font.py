"""Static, Vietnamese-only subset of Noto Serif for pyHanko stamps (makes signing ~10x cheaper).

pyHanko re-subsets the stamp font with fontTools on every signature; the full variable Noto Serif
(with its large GPOS/GSUB) costs ~300 ms per signature. A static instance limited to the glyphs
Vietnamese needs, without layout tables, costs a few ms.
"""
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont
from fontTools.varLib.instancer import instantiateVariableFont

from common import OUT
from make_pdfs import NOTO

RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x17F), (0x1A0, 0x1B0), (0x300, 0x323),
          (0x1EA0, 0x1EF9), (0x2010, 0x2027), (0x20AB, 0x20AB)]


def main() -> None:
    font = instantiateVariableFont(TTFont(NOTO), {"wght": 400, "wdth": 100})
    opts = Options()
    opts.layout_features = []
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "STAT", "DSIG"]
    opts.name_IDs = ["*"]
    sub = Subsetter(opts)
    sub.populate(unicodes=[u for a, b in RANGES for u in range(a, b + 1)])
    sub.subset(font)
    font.save(OUT / "NotoSerif-VN.ttf")
    print((OUT / "NotoSerif-VN.ttf").stat().st_size, "bytes")


if __name__ == "__main__":
    main()
