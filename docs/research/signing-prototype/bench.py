"""ms per personal+agency B-LT signing of a 2-page PDF, and per validation of both signatures.

    python bench.py [N]
Modes: fresh ValidationContext per signature (no revocation cache) vs one shared per worker
(OCSP/CRL fetched once, reused while fresh).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

os.environ["TZ"] = "Asia/Ho_Chi_Minh"
time.tzset()

from common import (  # noqa: E402
    KEYSTORE_PASSPHRASE, OUT, PKI_DIR, InProcessTimeStamper, LocalKeyStoreSigner, LocalTSA,
    animator_for, load_arch, signing_vc,
)
from sign_pdfs import load_signer, personal_style, seal_style, sign  # noqa: E402
from validate_pdfs import pyhanko_validate  # noqa: E402


def fast_signer(label: str) -> LocalKeyStoreSigner:
    return LocalKeyStoreSigner((PKI_DIR / "keystore" / f"{label}.p12").read_bytes(), KEYSTORE_PASSPHRASE)


def run(n: int, shared: bool, styles: bool, fast: bool = False) -> tuple[list[float], list[float], bytes]:
    arch = load_arch()
    animator = animator_for(arch)
    tsa = LocalTSA(arch) if fast else InProcessTimeStamper(arch)
    shared_vc = signing_vc(arch, animator)
    boxes = json.loads((OUT / "boxes.json").read_text())
    load = fast_signer if fast else load_signer
    officer, agency = load("officer-an"), load("agency-thanhhoa")
    doc = (OUT / "doc.pdf").read_bytes()
    ps, ss = (personal_style(), seal_style()) if styles else (None, None)
    sign_ms, val_ms, out = [], [], b""
    for _ in range(n):
        vc1 = shared_vc if shared else signing_vc(arch, animator)
        vc2 = shared_vc if shared else signing_vc(arch, animator)
        t0, c0 = time.perf_counter(), time.process_time()
        p, a = boxes["personal"], boxes["agency"]
        d1 = sign(doc, officer, "ChuKyCaNhan", p["page"], p["box"], ps, (arch, vc1, tsa), "Ký")
        out = sign(d1, agency, "ChuKyCoQuan", a["page"], a["box"], ss, (arch, vc2, tsa), "Phát hành")
        t1, c1 = time.perf_counter(), time.process_time()
        res = pyhanko_validate(out, arch)
        t2, c2 = time.perf_counter(), time.process_time()
        assert all(r["bottom_line"] for r in res), res
        sign_ms.append((1000 * (t1 - t0), 1000 * (c1 - c0)))
        val_ms.append((1000 * (t2 - t1), 1000 * (c2 - c1)))
    return sign_ms, val_ms, out


def summary(pairs) -> str:
    pairs = pairs[1:] or pairs  # drop warm-up
    wall = [w for w, _ in pairs]
    cpu = statistics.median(c for _, c in pairs)
    return (f"wall median {statistics.median(wall):.0f} ms (min {min(wall):.0f}, max {max(wall):.0f}); "
            f"CPU median {cpu:.0f} ms => {1000 / cpu:.1f}/s per core")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    modes = [(False, True, False), (True, True, False), (True, False, False),
             (True, True, True), (True, False, True)]
    if len(sys.argv) > 2:
        modes = modes[int(sys.argv[2]):]
    for shared, styles, fast in modes:
        s, v, out = run(n, shared, styles, fast)
        label = (f"{'shared' if shared else 'fresh '} vc, {'images  ' if styles else 'no-image'}, "
                 f"{'cached-key signer+LocalTSA' if fast else 'SimpleSigner+CertomancerTSA'}")
        print(f"[{label}] sign personal+agency: {summary(s)}")
        print(f"[{label}] validate both:         {summary(v)}   (size {len(out)} B)")

if __name__ == "__main__":
    main()
