"""HTTP to the catalogs we harvest: timeouts on every call, a bounded number of retries with
backoff for the failures worth retrying (connection errors, 429, 502, 503, 504), and a cap on
how much of an answer is read. Only `requests` (already a runtime dependency); the `ckanapi`
client is a development dependency and is used only by the tests."""

from __future__ import annotations

import json
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

TIMEOUT = (10, 60)  # connect, read (seconds)
RETRIES = 3
MAX_BYTES = 64 * 2**20
USER_AGENT = "tinhso-harvest/1 (+https://github.com/tinhso)"


class RemoteError(Exception):
    """The remote catalog could not be read, or answered something we cannot use."""


class RemoteNotFound(RemoteError):
    pass


def session() -> requests.Session:
    s = requests.Session()
    retry = Retry(
        total=RETRIES,
        connect=RETRIES,
        read=RETRIES,
        status=RETRIES,
        backoff_factor=0.5,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),  # CKAN read actions are safe
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = USER_AGENT
    return s


def _body(resp: requests.Response) -> bytes:
    chunks, size = [], 0
    for chunk in resp.iter_content(chunk_size=1 << 16):
        size += len(chunk)
        if size > MAX_BYTES:
            raise RemoteError(f"answer larger than {MAX_BYTES // 2**20} MB: {resp.url}")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(http: requests.Session, url: str, *, accept: str) -> tuple[bytes, str]:
    """GET `url`; the body and its content type. Redirects are followed (a catalog URL may
    move), at most requests' default of 30."""
    try:
        with http.get(url, headers={"Accept": accept}, timeout=TIMEOUT, stream=True) as resp:
            if resp.status_code >= 400:
                raise RemoteError(f"HTTP {resp.status_code} from {url}")
            return _body(resp), resp.headers.get("Content-Type", "")
    except requests.RequestException as exc:
        raise RemoteError(f"{url}: {exc}") from exc


class Ckan:
    """The read actions of a CKAN Action API (v3), as ckanapi calls them: POST with a JSON
    body to /api/3/action/<name>, the answer's `success` read rather than the HTTP status."""

    def __init__(self, base_url: str, http: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or session()

    def call(self, action: str, **data: Any) -> Any:
        url = f"{self.base_url}/api/3/action/{action}"
        try:
            with self.http.post(
                url, json=data, timeout=TIMEOUT, stream=True, allow_redirects=False
            ) as resp:
                body = _body(resp)
        except requests.RequestException as exc:
            raise RemoteError(f"{action}: {exc}") from exc
        try:
            answer = json.loads(body)
        except ValueError:
            raise RemoteError(f"{action}: HTTP {resp.status_code}, not JSON") from None
        if not isinstance(answer, dict) or "success" not in answer:
            raise RemoteError(f"{action}: HTTP {resp.status_code}, not a CKAN answer")
        if answer["success"] is not True:
            error = answer.get("error") or {}
            kind = error.get("__type", "") if isinstance(error, dict) else ""
            message = error.get("message", "") if isinstance(error, dict) else str(error)
            if kind == "Not Found Error":
                raise RemoteNotFound(f"{action}: {message}")
            raise RemoteError(f"{action}: {kind} {message}".strip())
        return answer.get("result")
