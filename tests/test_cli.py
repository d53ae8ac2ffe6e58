"""The `newsflow` command, run as users run it: a real process and real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    return env | {"NEWSFLOW_DATA_DIR": str(tmp_path / "var")} | extra


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_with_demo_content_and_a_working_admin_token(tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen([NEWSFLOW, "serve", "--port", str(port)], env=_env(tmp_path), stdout=log,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            assert proc.poll() is None, Path(log.name).read_text()
            assert time.monotonic() - started < 60, "not serving within a minute"
            try:
                home = httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert home.status_code == 200
        assert home.text.count("<article") >= 25  # demo stories listed
        output = Path(log.name).read_text()
        assert "admin@newsflow.local" in output and "newsflow token create" in output

        token = subprocess.run([NEWSFLOW, "token", "create"], env=_env(tmp_path), capture_output=True,
                               text=True, check=True).stdout.strip()
        stories = httpx.get(base + "/v1/newsroom/stories", params={"limit": 100},
                            headers={"Authorization": f"Bearer {token}"}).json()
        assert len(stories) >= 30
        assert {s["draft"]["language"] for s in stories} >= {"en", "tr", "ar"}
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def test_token_for_an_unknown_account_fails_with_a_message(tmp_path: Path) -> None:
    done = subprocess.run([NEWSFLOW, "token", "create", "--email", "nobody@example.org"],
                          env=_env(tmp_path), capture_output=True, text=True)
    assert done.returncode == 1
    assert "nobody@example.org" in done.stderr and "user create" in done.stderr


def test_user_create_refuses_bad_roles_and_duplicates(tmp_path: Path) -> None:
    args = [NEWSFLOW, "user", "create", "--email", "e@example.org", "--name", "E", "--password", "longenough"]
    bad = subprocess.run([*args, "--role", "chief"], env=_env(tmp_path), capture_output=True, text=True)
    assert bad.returncode == 1 and "chief" in bad.stderr
    ok = subprocess.run(args, env=_env(tmp_path), capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    again = subprocess.run(args, env=_env(tmp_path), capture_output=True, text=True)
    assert again.returncode == 1 and "exists already" in again.stderr


def test_a_subscriber_account_needs_a_real_company_and_is_listed(tmp_path: Path) -> None:
    env = _env(tmp_path)
    args = [NEWSFLOW, "user", "create", "--email", "sub@example.org", "--name", "Sub", "--role", "subscriber",
            "--password", "longenough"]
    alone = subprocess.run(args, env=env, capture_output=True, text=True)
    assert alone.returncode == 1 and "company" in alone.stderr
    ghost = subprocess.run([*args, "--company", "nope"], env=env, capture_output=True, text=True)
    assert ghost.returncode == 1 and "nope" in ghost.stderr
    made = subprocess.run([NEWSFLOW, "company", "create", "Daily"], env=env, capture_output=True, text=True)
    company_id = next(w.strip("().,") for w in made.stdout.split() if len(w.strip("().,")) >= 16)
    ok = subprocess.run([*args, "--company", company_id], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    listed = subprocess.run([NEWSFLOW, "user", "list", "--company", company_id], env=env | {"COLUMNS": "200"},
                            capture_output=True, text=True)
    assert "sub@example.org" in listed.stdout and "admin@newsflow.local" not in listed.stdout


def test_product_create_gives_the_archive_before_it_returns(tmp_path: Path) -> None:
    """On the demo content: a product made from the command line covers the stories published before
    it, and a bad window is refused naming the option."""
    env = _env(tmp_path)
    from newsflow.config import Settings
    from newsflow.demo import load_demo
    from newsflow.services import Services

    svc = Services.open(Settings(data_dir=tmp_path / "var"))
    load_demo(svc.newsroom, svc.media)
    stories = svc.store.count_stories()
    svc.close()
    done = subprocess.run([NEWSFLOW, "product", "create", "Everything late", "--no-progress"],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"Archive given: {stories} stories gone over." in done.stdout
    bad = subprocess.run([NEWSFLOW, "product", "create", "Zero", "--archive-days", "0"],
                         env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "--archive-days" in bad.stderr
