"""Verifying an HTTP push: HMAC-SHA256 over "{timestamp}.{body}" with the shared ingest secret."""

from __future__ import annotations

import hashlib
import hmac
import time

MAX_SKEW = 300  # seconds: an older signed request is refused, so a captured one cannot be replayed later


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes,
           now: float | None = None) -> str | None:
    """None when the push is authentic; otherwise what is wrong with it."""
    if not timestamp or not signature:
        return "missing X-Newsflow-Timestamp or X-Newsflow-Signature header"
    try:
        sent = int(timestamp)
    except ValueError:
        return "X-Newsflow-Timestamp must be Unix seconds"
    if abs((now or time.time()) - sent) > MAX_SKEW:
        return f"X-Newsflow-Timestamp is more than {MAX_SKEW} seconds from the server's clock"
    if not hmac.compare_digest(sign(secret, sent, body), signature.strip()):
        return "signature does not match the body"
    return None
