"""The demo's digitized components: one small PDF written once per load, and every demo
component row's own path a hard link to it (a copy where the filesystem cannot link), so an
officer who opens a demo dossier's component gets a page, not "file not found". A link costs
about 20 µs (measured here): 6,500 for `tinhso demo`, about 650,000 at scale 1.0 (a few
seconds, on the writer threads). Paths are unique, as `DossierFile.storage_path` must be:
`dossiers/demo/<dossier id // 10,000>/<dossier id>-<part>.pdf` (part 2: a reused component).
Electronic results are linked the same way to their templates (`_results`). Rows deleted by
`--replace` leave their links to `tinhso files cleanup`."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

FOLDER = "dossiers/demo"


def text_pdf(lines: list[bytes], size: int = 16) -> bytes:
    """A one-page A4 PDF of a few lines of text (Helvetica, so ASCII only): the demo's stand-ins
    for a scanned component and for a result (`_results`). Written by hand, five objects: a
    PDF library would only add a dependency for this."""
    shown = b" ".join(b"(%s) '" % line for line in lines)
    text = b"BT /F1 %d Tf 60 770 Td %d TL %s ET" % (size, size + 5, shown)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


SCAN = text_pdf([b"Ban so hoa thanh phan ho so - du lieu mau"])
SCAN_SIZE = len(SCAN)
SCAN_SHA256 = hashlib.sha256(SCAN).hexdigest()


def scan_path(dossier_id: int, part: int = 1) -> str:
    """The component's path: part 1 digitized by the officer, part 2 reused from an earlier
    dossier of the applicant."""
    return f"{FOLDER}/{dossier_id // 10_000}/{dossier_id}-{part}.pdf"


class Scans:
    """Gives each demo component's path (relative to MEDIA_ROOT) the scan's bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.source = root / FOLDER / "scan.pdf"
        self.folders: set[Path] = set()

    def prepare(self) -> None:
        if self.source.exists() and self.source.read_bytes() == SCAN:
            return
        self.source.parent.mkdir(parents=True, exist_ok=True)
        part = self.source.with_suffix(f".{os.getpid()}.part")
        part.write_bytes(SCAN)
        os.replace(part, self.source)

    def link(self, paths: Iterable[str], source: Path | None = None) -> None:
        """Give each path the scan's bytes (or `source`'s: an electronic result template,
        `_results`)."""
        scan = source is None
        source = self.source if source is None else source
        root, folders = self.root, self.folders
        for rel in paths:
            target = root / rel
            folder = target.parent
            if folder not in folders:
                folder.mkdir(parents=True, exist_ok=True)
                folders.add(folder)
            try:
                os.link(source, target)
            except FileExistsError:  # a load stopped half-way, or an earlier one, wrote it
                if target.samefile(source):
                    continue
                # another file under a reused name (ids handed out again, a new template
                # signed): replaced whole, never left with the old bytes
                spare = target.with_name(f"{target.name}.{os.getpid()}.new")
                spare.unlink(missing_ok=True)
                os.link(source, spare)
                os.replace(spare, target)
            except OSError:  # no hard links here, or the scan was cleaned up meanwhile
                if scan:
                    self.prepare()
                shutil.copyfile(source, target)
