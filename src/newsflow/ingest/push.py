"""Verifying an HTTP push: HMAC-SHA256 over "{timestamp}.{body}" with the pushing source's secret."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

MAX_SKEW = 300  # seconds: an older signed request is refused, so a captured one cannot be replayed later


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_headers(timestamp: str | None, signature: str | None, now: float | None = None) -> str | None:
    """What is wrong with the signature headers alone (None: nothing yet), so a push that can never
    verify is refused before its body is read."""
    if not timestamp or not signature:
        return "missing X-Newsflow-Timestamp or X-Newsflow-Signature header"
    try:
        sent = int(timestamp) if len(timestamp) <= 20 else None  # 20 digits: no float overflow below
    except ValueError:
        sent = None
    if sent is None:
        return "X-Newsflow-Timestamp must be Unix seconds"
    if abs((now or time.time()) - sent) > MAX_SKEW:
        return f"X-Newsflow-Timestamp is more than {MAX_SKEW} seconds from the server's clock"
    return None


def verify(secret: str | Sequence[str], timestamp: str | None, signature: str | None, body: bytes,
           now: float | None = None) -> str | None:
    """None when the push is authentic (signed with `secret`, or one of them during a rotation);
    otherwise what is wrong with it."""
    problem = check_headers(timestamp, signature, now)
    if problem or timestamp is None or signature is None:
        return problem
    keys = [secret] if isinstance(secret, str) else list(secret)
    sent = int(timestamp)
    if not any(hmac.compare_digest(sign(key, sent, body), signature.strip()) for key in keys):
        return "signature does not match the body"
    return None
