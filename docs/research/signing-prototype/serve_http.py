"""Serve the dev PKI's OCSP, CRLs, certificates and TSA over local HTTP (Certomancer's Animator).

    python serve_http.py            # http://127.0.0.1:9087/  (Ctrl-C to stop)

Same WSGI app that `certomancer animate` runs; in the project it would be mounted under the
Django site or run by waitress. Endpoints (arch tinhso-dev):
  POST /tinhso-dev/ocsp/interm            application/ocsp-request
  POST /tinhso-dev/tsa/tsa                application/timestamp-query
  GET  /tinhso-dev/crls/interm/latest.crl
  GET  /tinhso-dev/crls/root/latest.crl
"""

from __future__ import annotations

import sys

from certomancer.integrations.animator import Animator, AnimatorArchStore

from common import load_arch


def app():
    arch = load_arch()
    return Animator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=True, allow_time_override=False)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9087
    from waitress import serve
    serve(app(), host="127.0.0.1", port=port, threads=4)
