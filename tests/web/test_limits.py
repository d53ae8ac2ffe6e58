"""Request-body limits (issue 10, item 1): credentials and the declared length are judged before a body
is read, a streamed body is cut at its limit, and an image's pixel count is judged from its header.

The endless bodies go over real HTTP (a raw socket that keeps sending until an answer arrives, as an
attacker's client would), and the server's memory is watched while they do.
"""

from __future__ import annotations

import dataclasses
import select
import socket
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.config import Settings
from newsflow.ingest.push import sign
from newsflow.services import Services
from newsflow.web.app import create_app
from tests.helpers import live_server

CHUNK = b"x" * 65536
GIVE_UP = 256 * 2**20  # an endless body that is still being taken after this was never cut off


def rss() -> int:
    """This process's resident memory in bytes (the live server runs in a thread of it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@dataclasses.dataclass
class Answer:
    status: int
    head: str
    body: bytes
    sent: int  # body bytes the server took off the socket before it answered (plus kernel buffers)


def endless_post(base: str, path: str, headers: dict[str, str], *, declared: int | None = None,
                 send_body: bool = True, prefix: bytes = b"") -> Answer:
    """POST a body that never ends (chunked, or a declared Content-Length that is never reached), after
    `prefix`, and keep sending until the server answers; the answer and how much was sent by then."""
    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    framing = {"Content-Length": str(declared)} if declared is not None else {"Transfer-Encoding": "chunked"}
    lines = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", *(f"{k}: {v}" for k, v in (headers | framing).items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    chunk = CHUNK if declared is not None else b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"
    if prefix and send_body:
        sock.sendall(prefix if declared is not None else b"%x\r\n" % len(prefix) + prefix + b"\r\n")
    sock.setblocking(False)
    sent, pending = 0, b""
    raw = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            want_write = [sock] if send_body and sent < GIVE_UP else []
            readable, writable, _ = select.select([sock], want_write, [], 1.0)
            if readable:
                data = sock.recv(65536)
                raw += data
                if not data or _complete(raw):
                    break
                continue
            if writable:
                pending = pending or chunk
                try:
                    n = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    send_body = False
                    continue
                pending = pending[n:]
                sent += n
        else:
            raise AssertionError(f"no answer within 60 s; {sent:,} bytes sent")
        assert sent < GIVE_UP, "the server kept reading an endless body"
    finally:
        sock.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return Answer(status, head.decode("latin-1"), body, sent)


def _complete(raw: bytes) -> bool:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True  # a redirect or an answer with no length: the head is enough here


@pytest.fixture
def live(services: Services) -> Iterator[str]:
    with live_server(services) as base:
        yield base


@pytest.fixture
def push_secret(services: Services) -> str:
    """Pushing on, with the secret of the source "push" (NEWSFLOW_INGEST_SECRET)."""
    services.settings = dataclasses.replace(services.settings, ingest_secret="s3cret")
    return "s3cret"


def _signed(secret: str, body: bytes = b"") -> dict[str, str]:
    now = int(time.time())
    return {"X-Newsflow-Timestamp": str(now), "X-Newsflow-Signature": sign(secret, now, body)}


def test_an_endless_body_without_credentials_is_401_before_it_is_read(
        live: str, services: Services, push_secret: str) -> None:
    before = rss()
    cases = [("/v1/newsroom/stories", {"Content-Type": "application/json"}),
             ("/v1/newsroom/media", {"Content-Type": "multipart/form-data; boundary=b"}),
             ("/v1/admin/companies", {"Authorization": "Bearer nft_not-a-token"}),
             ("/v1/queue/cms/ack", {"Authorization": "Bearer nfk_not-a-key"}),
             ("/v1/ingest", {"X-Newsflow-Source": "nobody"}),
             ("/v1/ingest", {})]  # the source "push", no signature headers
    for path, headers in cases:
        answer = endless_post(live, path, headers)
        assert answer.status == 401, (path, answer.head, answer.body)
        assert b'"error"' in answer.body
        # nothing was read: what was sent before the answer sits in socket buffers, far below any limit
        assert answer.sent < 16 * 2**20, (path, answer.sent)
    # a declared 300 MB body is refused just the same, without waiting for a byte of it
    answer = endless_post(live, "/v1/newsroom/stories", {}, declared=300 * 2**20, send_body=False)
    assert answer.status == 401 and answer.sent == 0
    assert rss() - before < 50 * 2**20


def test_a_face_asks_a_stranger_to_sign_in_before_reading_the_upload(live: str) -> None:
    answer = endless_post(live, "/desk/stories/new", {"Content-Type": "multipart/form-data; boundary=b"})
    assert answer.status == 303 and "/login?next=" in answer.head
    assert answer.sent < 16 * 2**20


def test_an_authenticated_endless_body_is_cut_at_the_limit_with_413(
        live: str, services: Services, staff_headers: dict[str, str], push_secret: str) -> None:
    before = rss()
    limits = {"/v1/newsroom/stories": (services.settings.max_ingest_bytes, "NEWSFLOW_MAX_INGEST_MB"),
              "/v1/admin/products": (services.settings.max_json_bytes, "NEWSFLOW_MAX_JSON_KB"),
              "/v1/newsroom/media": (services.settings.max_upload_bytes + services.settings.max_form_bytes,
                                     "NEWSFLOW_MAX_UPLOAD_MB"),
              "/v1/ingest": (services.settings.max_ingest_bytes, "NEWSFLOW_MAX_INGEST_MB")}
    admin = services.store.create_user(email="chief@example.org", name="Chief", role="admin")
    admin_headers = {"Authorization": f"Bearer {services.store.create_token(admin.id, 'tests')}"}
    for path, (limit, setting) in limits.items():
        headers = {"/v1/ingest": _signed(push_secret), "/v1/admin/products": admin_headers}.get(path, staff_headers)
        prefix = b""
        if path == "/v1/newsroom/media":  # a well-formed upload whose photo never ends
            headers = headers | {"Content-Type": "multipart/form-data; boundary=b"}
            prefix = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
                      b"Content-Type: image/jpeg\r\n\r\n")
        answer = endless_post(live, path, headers, prefix=prefix)
        assert answer.status == 413, (path, answer.head, answer.body)
        assert f"{limit:,}-byte limit".encode() in answer.body and setting.encode() in answer.body
        assert answer.sent < limit + 16 * 2**20, (path, answer.sent)
        # declared: refused from the header, before any byte
        declared = endless_post(live, path, headers, declared=limit + 1, send_body=False)
        assert declared.status == 413 and declared.sent == 0
    assert rss() - before < 50 * 2**20


def test_disabled_ingest_source_is_refused_before_its_body(live: str, services: Services) -> None:
    _, secret = services.ingestor.sources.add("partner", "push")
    assert secret is not None
    services.ingestor.sources.set_active("partner", False)
    answer = endless_post(live, "/v1/ingest", _signed(secret) | {"X-Newsflow-Source": "partner"})
    assert answer.status == 403 and b"disabled" in answer.body


@pytest.fixture
def small_limits(services: Services) -> Iterator[TestClient]:
    services.settings = dataclasses.replace(services.settings, max_json_bytes=4096, max_form_bytes=2048,
                                            max_ingest_bytes=4096)
    with TestClient(create_app(services)) as client:
        yield client


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(0, 8192), chunks=st.integers(1, 7), chunked=st.booleans())
def test_a_body_is_refused_exactly_when_it_is_over_the_limit(small_limits: TestClient, staff_headers: dict[str, str],
                                                             size: int, chunks: int, chunked: bool) -> None:
    body = b"{" + b" " * max(0, size - 1) if size else b""
    step = max(1, -(-len(body) // chunks))
    parts = [body[i:i + step] for i in range(0, len(body), step)]
    content = iter(parts) if chunked else body
    r = small_limits.post("/v1/newsroom/stories", content=content,
                          headers=staff_headers | {"Content-Type": "application/json"})
    if size > 4096:
        assert r.status_code == 413 and "4,096-byte limit" in r.json()["error"]
    else:
        assert r.status_code in (400, 422), r.text  # read whole and judged as JSON: malformed, never too large


def test_limits_are_settings_and_a_form_has_its_own(small_limits: TestClient) -> None:
    # the login form is open to anyone, held to the form limit
    r = small_limits.post("/login", data={"email": "a@b.c", "password": "p" * 4000})
    assert r.status_code == 413 and "NEWSFLOW_MAX_FORM_KB" in r.json()["error"]
    with pytest.raises(ValueError, match="NEWSFLOW_MAX_JSON_KB"):
        Settings(max_json_bytes=0)
    for bad in ("abc", "nan", "inf", "-1"):  # a bad value stops the node naming the variable
        with pytest.MonkeyPatch.context() as env:
            env.setenv("NEWSFLOW_MAX_INGEST_MB", bad)
            with pytest.raises(ValueError, match="NEWSFLOW_MAX_INGEST_MB"):
                Settings()


def _bomb_png(width: int, height: int) -> bytes:
    """A 1-bit greyscale PNG of `width` x `height` black pixels: a few KB that decode to width*height."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    squeeze = zlib.compressobj(9)
    row = b"\x00" * (1 + -(-width // 8))
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_an_80_megapixel_png_is_refused_from_its_header(client: TestClient, staff_headers: dict[str, str],
                                                        services: Services) -> None:
    bomb = _bomb_png(10_000, 8_000)
    assert len(bomb) < 64 * 1024
    before = rss()
    r = client.post("/v1/newsroom/media", files={"file": ("bomb.png", bomb, "image/png")}, headers=staff_headers)
    assert r.status_code == 413, r.text
    assert "40 megapixels" in r.json()["error"] and "NEWSFLOW_MAX_IMAGE_MEGAPIXELS" in r.json()["error"]
    assert rss() - before < 50 * 2**20
    assert not any(services.settings.media_dir.glob("*/original.*"))  # nothing half-written
