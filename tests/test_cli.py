"""The `newsflow` command, run as users run it: a real process and real HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from newsflow.cli import WHERE_TO_GO
from newsflow.config import Settings, listener_base_url

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
ROOT = Path(__file__).resolve().parents[1]


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
        assert "admin@newsflow.local" in output
        # the first start says where to go, at the address it listens on, and names this installation's
        # newsflow by its full path (a bare `newsflow` is not on PATH outside the venv)
        for _label, path in WHERE_TO_GO:
            assert f"{base}{path}" in output.replace("\n", " ").split(), path
        assert f"{NEWSFLOW} token create --email admin@newsflow.local" in output

        token = subprocess.run([NEWSFLOW, "token", "create"], env=_env(tmp_path), capture_output=True,
                               text=True, check=True).stdout.strip()
        _assert_links_follow_the_port(base, token)
        stories = httpx.get(base + "/v1/newsroom/stories", params={"limit": 100},
                            headers={"Authorization": f"Bearer {token}"}).json()
        assert len(stories) >= 30
        assert {s["draft"]["language"] for s in stories} >= {"en", "tr", "ar"}
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def _assert_links_follow_the_port(base: str, token: str) -> None:
    """NEWSFLOW_BASE_URL unset and a port that is not 8000: every absolute link names the port served on."""
    assert not base.endswith(":8000")
    story = re.search(r'href="(/news/[^"]+)"', httpx.get(base + "/").text)
    assert story, "no story linked from the home page"
    page = httpx.get(base + story.group(1)).text
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page)
    og_url = re.search(r'<meta property="og:url" content="([^"]+)"', page)
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert canonical and og_url and json_ld
    assert canonical.group(1) == og_url.group(1) == base + story.group(1)
    assert json.loads(json_ld.group(1))["mainEntityOfPage"].startswith(base + "/")
    atom = httpx.get(base + "/feed.atom").text
    assert f'href="{base}/' in atom and ":8000" not in atom
    segment = story.group(1).split("/")[2]  # the public story's guid, as one encoded path segment
    ninjs = httpx.get(f"{base}/v1/items/{segment}", headers={"Authorization": f"Bearer {token}"})
    assert ninjs.status_code == 200, ninjs.text
    assert ninjs.json()["uri"].startswith(base + "/")


def test_the_base_url_follows_the_listener_unless_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NEWSFLOW_BASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.listening_on("127.0.0.1", 8831).base_url == "http://127.0.0.1:8831"
    assert settings.listening_on("0.0.0.0", 8831).base_url == "http://127.0.0.1:8831"  # reached through loopback
    assert settings.listening_on("::1", 9000).base_url == "http://[::1]:9000"
    assert listener_base_url("news.local", 80) == "http://news.local:80"
    monkeypatch.setenv("NEWSFLOW_BASE_URL", "https://wire.agency.example/")
    named = Settings(data_dir=tmp_path)
    assert named.listening_on("127.0.0.1", 8831).base_url == "https://wire.agency.example"


def test_readme_says_where_to_go_as_the_first_start_does() -> None:
    """README.md's "Where to go" table names every place the first start prints, and the guides it
    links exist."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Where to go", 1)[1].split("\n## ", 1)[0]
    for label, path in WHERE_TO_GO:
        assert f"`{path}`" in table, (label, path)
    guides = re.findall(r"\]\((docs/[^)#]+)", table)
    assert {"docs/guide-public.md", "docs/guide-portal.md", "docs/guide-desk.md", "docs/guide-admin.md",
            "docs/api.md"} <= set(guides)
    for guide in guides:
        assert (ROOT / guide).is_file(), guide


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
