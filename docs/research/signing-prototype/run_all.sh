#!/usr/bin/env bash
# Everything, offline, in order. Needs: /tmp/pkid-venv (see README), Debian poppler-utils, qpdf,
# xmlsec1, libnss3-tools (certutil).
set -euo pipefail
cd "$(dirname "$0")"
PY=/tmp/pkid-venv/bin/python
$PY pki_init.py                 # dev PKI: keys, certomancer.yml, certs, PKCS#12 keystores
$PY make_pdfs.py                # WeasyPrint doc + attachment, signature/seal PNGs, stamp font
$PY sign_pdfs.py                # personal + agency B-LT (+ B-LTA variant), attachment signature
$PY validate_pdfs.py 2>/dev/null  # pyHanko, AdES-LTA, pdfsig, qpdf, tamper/revoked/expired cases
$PY edxml.py                    # edXML envelope signed with signxml; signxml + xmlsec1 verify
$PY issue_officer.py 2>/dev/null | grep -v '^ '   # runtime issuance + revocation
cp pki/certomancer.yml out/certomancer.after-issue.yml
$PY bench.py 10                 # ms per signing / validation (wall and CPU)
/tmp/pkid-venv/bin/pytest -q -p no:cacheprovider test_prototype.py
