"""Usage counts survive SIGKILL: everything a subscriber was served is counted exactly once — a real
`newsflow serve` killed between flushes and started again; and, for any interleaving of uses, flushes,
failed flushes and crashes (before a flush, or after its commit but before the journal is tidied), the
usage table ends up with exactly what was served."""

from __future__ import annotations

import contextlib
import json
import secrets
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.store import Store
from newsflow.wire.usage import UsageLog, Use
from tests.wire.nodes import Node, node_env, set_up_company
from tests.wire.test_faults_bus import PUBLISH

FEEDS, ITEMS = 300, 40

REPORT = """
import json, sys
from newsflow.services import Services
print(json.dumps(Services.open().usage.report(sys.argv[1])["by_channel"]))
"""


def test_a_sigkilled_node_loses_no_usage_count(tmp_path: Path) -> None:
    # nothing is flushed on a timer during the test: only the journal can explain the counts
    env = node_env(tmp_path, NEWSFLOW_USAGE_FLUSH_EVERY="3600")
    key, _, company = set_up_company(env)
    guid = subprocess.run([sys.executable, "-c", PUBLISH], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()
    node = Node(env, tmp_path / "node.log").start()
    try:
        node.wait_serving()
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=node.url, headers=auth, timeout=10) as http:
            for _ in range(FEEDS):
                assert http.get("/v1/feed").json()["count"] == 1
            for _ in range(ITEMS):
                assert http.get(f"/v1/items/{guid}").status_code == 200
        node.signal(signal.SIGKILL)
        assert node.wait_exit(10) == -signal.SIGKILL
        node.start()
        node.wait_serving()
        counted = json.loads(subprocess.run([sys.executable, "-c", REPORT, company], env=env, capture_output=True,
                                            text=True, check=True).stdout)
        assert counted == {"feed": FEEDS, "item": ITEMS}
        # and once only: the restarted node's own flush on the way out adds nothing
        node.signal(signal.SIGTERM)
        assert node.wait_exit(10) == 0
        counted = json.loads(subprocess.run([sys.executable, "-c", REPORT, company], env=env, capture_output=True,
                                            text=True, check=True).stdout)
        assert counted == {"feed": FEEDS, "item": ITEMS}
    finally:
        node.stop()


# One step of a node's life: serve n answers, flush, flush while the database fails, crash (the process
# is gone: its memory too), or crash right after a flush's commit, before the journal is tidied.
Step = st.one_of(st.tuples(st.just("serve"), st.integers(1, 5)), st.sampled_from(
    [("flush", 0), ("failed flush", 0), ("crash", 0), ("crash after commit", 0)]))


class _Down(Exception):
    pass


@pytest.fixture(scope="module")
def journal_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('usage') / 'u.db'}")
    store.migrate()
    return store


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(Step, max_size=25))
def test_every_use_is_counted_exactly_once_whatever_the_crashes(journal_store: Store, tmp_path: Path,
                                                                steps: list[tuple[str, int]]) -> None:
    company = secrets.token_hex(8)  # a company and a node of each example's own, in the shared database
    folder = tmp_path / company
    folder.mkdir()
    served: Counter[str] = Counter()
    log = UsageLog(journal_store)
    log.open_journal(folder, company[:12])
    for n, (action, count) in enumerate(steps):
        if action == "serve":
            for i in range(count):
                channel = ("feed", "item", "stream")[(n + i) % 3]
                if channel == "feed":
                    log.record_answer(company, "k", "feed", "ninjs", (("g1", 1), ("g2", 1)))
                    served["feed"] += 2
                else:
                    log.record([Use(company, "k", "g1", 1, channel, "ninjs")])
                    served[channel] += 1
        elif action == "flush":
            log.flush()
        elif action == "failed flush":
            real, log._write = log._write, _fail  # type: ignore[method-assign]
            with contextlib.suppress(_Down):  # raised when something was pending
                log.flush()
            log._write = real  # type: ignore[method-assign]
        else:
            if action == "crash after commit":
                assert log.journal is not None
                log.journal.remove_through = lambda segment: None  # type: ignore[method-assign]
                log.flush()
            assert log.journal is not None
            log.journal.close()  # the process is gone; what it wrote is in the files
            log = UsageLog(journal_store)
            log.open_journal(folder, company[:12])
    log.flush()
    report = log.report(company)
    assert report["by_channel"] == {k: v for k, v in served.items() if v}


def _fail(*_: object) -> int:
    raise _Down("the database is unreachable")
