"""Aggregate throughput with W worker processes (default 2 = the machine's cores).

    python bench_parallel.py [docs_per_worker] [workers]
Each worker: own PKI objects, one shared ValidationContext (revocation cached), cached-key
signers, LocalTSA; signs personal (blue image + text) + agency (seal) B-LT, then validates both.
"""
import multiprocessing as mp
import os
import sys
import time

os.environ["TZ"] = "Asia/Ho_Chi_Minh"
time.tzset()


def worker(n: int, q) -> None:
    import json
    from bench import fast_signer
    from common import OUT, LocalTSA, load_arch, signing_vc
    from sign_pdfs import personal_style, seal_style, sign
    from validate_pdfs import pyhanko_validate
    arch = load_arch()
    ctx = (arch, signing_vc(arch), LocalTSA(arch))
    b = json.loads((OUT / "boxes.json").read_text())
    o, a = fast_signer("officer-an"), fast_signer("agency-thanhhoa")
    doc = (OUT / "doc.pdf").read_bytes()
    ps, ss = personal_style(), seal_style()
    sign(sign(doc, o, "P", b["personal"]["page"], b["personal"]["box"], ps, ctx, "x"),
         a, "A", b["agency"]["page"], b["agency"]["box"], ss, ctx, "y")  # warm-up
    q.put("ready")
    signed = []
    t0 = time.perf_counter()
    for _ in range(n):
        d = sign(doc, o, "P", b["personal"]["page"], b["personal"]["box"], ps, ctx, "x")
        signed.append(sign(d, a, "A", b["agency"]["page"], b["agency"]["box"], ss, ctx, "y"))
    t1 = time.perf_counter()
    for s in signed:
        assert all(r["bottom_line"] for r in pyhanko_validate(s, arch))
    q.put((t1 - t0, time.perf_counter() - t1))


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    w = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    q = mp.Queue()
    ps = [mp.Process(target=worker, args=(n, q)) for _ in range(w)]
    for p in ps:
        p.start()
    results = [q.get() for _ in range(2 * w)]
    for p in ps:
        p.join()
    times = [r for r in results if r != "ready"]
    sign_s = max(t for t, _ in times)
    val_s = max(v for _, v in times)
    print(f"{w} workers x {n} docs: signing {w * n / sign_s:.1f} docs/s (personal+agency B-LT), "
          f"validating {w * n / val_s:.1f} docs/s (both signatures); load {os.getloadavg()[0]:.1f}")
