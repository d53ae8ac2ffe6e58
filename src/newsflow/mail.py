"""Outgoing e-mail over SMTP, configured by one URL (NEWSFLOW_SMTP_URL).

    smtp://host[:port]                      plain SMTP (port 25), e.g. a local relay
    smtp://user:password@host:587?starttls  STARTTLS, then login
    smtps://user:password@host[:465]        TLS from the first byte

The standard library's smtplib does the talking; callers run `send` in a thread. One connection
carries a whole batch of messages.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT = 20.0  # seconds per SMTP command: a stuck relay must not hold a batch forever


class MailConfigError(ValueError):
    """NEWSFLOW_SMTP_URL cannot be used; the message says which part is wrong."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps)
    starttls: bool
    username: str = ""
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise MailConfigError(f"NEWSFLOW_SMTP_URL: scheme must be smtp or smtps, got {parts.scheme!r}")
        if not parts.hostname:
            raise MailConfigError("NEWSFLOW_SMTP_URL: no host")
        try:
            port = parts.port
        except ValueError:
            raise MailConfigError("NEWSFLOW_SMTP_URL: the port is not a number") from None
        tls = parts.scheme == "smtps"
        options = parse_qs(parts.query, keep_blank_values=True)
        return cls(host=parts.hostname, port=port or (465 if tls else 25), tls=tls,
                   starttls="starttls" in options, username=unquote(parts.username or ""),
                   password=unquote(parts.password or ""))

    def send(self, messages: Sequence[EmailMessage]) -> list[str | None]:
        """Deliver `messages` over one connection: for each, None or why the server refused it (a bad
        recipient fails only its own message). Raises smtplib.SMTPException or OSError when the server
        cannot be reached or talked to at all (the caller keeps the messages for another try)."""
        if not messages:
            return []
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        outcomes: list[str | None] = []
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            for msg in messages:
                try:
                    refused = client.send_message(msg)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    outcomes.append(f"refused: {exc}"[:500])
                else:
                    outcomes.append(f"refused: {refused}"[:500] if refused else None)
        return outcomes


def message(*, sender: str, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A plain-text message, with an HTML alternative when given."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg
