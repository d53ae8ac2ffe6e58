"""Real `newsflow serve` processes for the fault tests: start one, wait until it serves, signal it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))

# A company with one product and an API key, an editor with a token; prints the key and the token.
SETUP = """
from newsflow.services import Services
svc = Services.open()
p = svc.subscribers.create_product('World', {'categories': ['World']})
c = svc.subscribers.create_company('Daily')
svc.subscribers.assign_product(c.id, p.id)
print(svc.subscribers.create_api_key(c.id).secret)
u = svc.store.create_user(email='ed@example.org', name='Ed', role='editor')
print(svc.store.create_token(u.id))
print(c.id)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def node_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a node: none of the caller's NEWSFLOW_ settings, no demo content."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    return env | {"NEWSFLOW_DATA_DIR": str(data_dir), "NEWSFLOW_DEMO": "0"} | extra


def set_up_company(env: dict[str, str]) -> tuple[str, str, str]:
    """(API key, staff token, company id) in the node's database."""
    out = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True)
    key, token, company = out.stdout.split()
    return key, token, company


@dataclass
class Node:
    """One `newsflow serve` process on a port of its own; its output goes to `log`."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Node:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([NEWSFLOW, "serve", "--port", str(self.port), "--no-demo"], env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)
        return self

    def wait_serving(self, timeout: float = 30.0) -> float:
        """Seconds until the port answered HTTP (fails with the node's output if it did not)."""
        assert self.proc is not None
        started = time.monotonic()
        while True:
            assert self.proc.poll() is None, f"the node exited:\n{self.output()}"
            try:
                httpx.get(self.url + "/healthz", timeout=1)
                return time.monotonic() - started
            except httpx.TransportError:
                assert time.monotonic() - started < timeout, f"not serving in {timeout} s:\n{self.output()}"
                time.sleep(0.05)

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code, or None if the process still runs after `timeout` seconds."""
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Whatever state it is in: gone afterwards."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
