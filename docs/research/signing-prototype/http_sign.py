"""Same signing over real local HTTP: pyHanko's stock requests-based TSA client and fetchers
against `python serve_http.py` (Certomancer Animator under waitress on 127.0.0.1:9087)."""
import os
import time

os.environ["TZ"] = "Asia/Ho_Chi_Minh"
time.tzset()

from pyhanko.sign.timestamps import HTTPTimeStamper  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402

from common import OUT, URL_PREFIX, load_arch, trust_roots  # noqa: E402
from sign_pdfs import load_signer, sign  # noqa: E402
from validate_pdfs import pyhanko_validate  # noqa: E402

arch = load_arch()
vc = ValidationContext(trust_roots=trust_roots(arch), allow_fetching=True, revocation_mode="require")
tsa = HTTPTimeStamper(f"{URL_PREFIX}/tinhso-dev/tsa/tsa")
t0 = time.perf_counter()
pdf = sign((OUT / "doc.pdf").read_bytes(), load_signer("officer-an"), "Sig", 0, (40, 40, 200, 90), None,
           (arch, vc, tsa), "HTTP")
print(f"signed over HTTP in {1000 * (time.perf_counter() - t0):.0f} ms")
(OUT / "doc-http.pdf").write_bytes(pdf)
print(pyhanko_validate(pdf, arch))
