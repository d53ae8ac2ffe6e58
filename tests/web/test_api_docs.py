"""/docs works without a network (issue 13): it loads Swagger UI from the installed fastapi_offline
package, served here, and starts it from a static script (no inline script, nothing from another
host); /redoc leads to it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from newsflow.web.api.docs import ASSETS, ASSETS_DIR

_REFERENCE = re.compile(r'(?:src|href)="([^"]+)"')


def test_the_docs_page_references_only_this_site(client: TestClient) -> None:
    path, viewer = "/docs", "swagger-ui-bundle.js"
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    references = _REFERENCE.findall(r.text)
    assert f"{ASSETS}/{viewer}" in references and "/static/api-docs.js" in references
    for ref in references:
        assert ref.startswith("/") and not ref.startswith("//"), f"{path} loads {ref} from elsewhere"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text), "an inline script"
    policy = r.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", policy)
    assert script_src and script_src.group(1).strip() == "'self'", policy
    assert "http" not in policy  # no CDN, no font host
    for ref in references:  # every file the page loads is there, with its type
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        kind = asset.headers["content-type"]
        if ref.endswith(".js"):
            assert "javascript" in kind, (ref, kind)
        elif ref.endswith(".css"):
            assert kind.startswith("text/css"), (ref, kind)


def test_the_assets_are_the_packages_own_files(client: TestClient) -> None:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        served = client.get(f"{ASSETS}/{name}")
        assert served.status_code == 200 and served.content == (ASSETS_DIR / name).read_bytes(), name
    assert client.get(f"{ASSETS}/../docs.py").status_code == 404
    assert client.get("/openapi.json").status_code == 200  # what the viewers read


def test_redoc_leads_to_the_docs(client: TestClient) -> None:
    r = client.get("/redoc", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/docs"
