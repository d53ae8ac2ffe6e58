"""The API contract: /openapi.json lists every status each route answers, each error with the one error
body (`{"error": ..., "fields"?: [...]}`), and the running server keeps to it. Schemathesis drives the
server over real HTTP with a subscriber's API key and an admin's staff token, positive and negative
examples per operation, bounded (a few examples each, no shrinking): no 5xx, no status the document
does not list, every body as declared."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import live_server
from tests.web.test_ranges import World, world  # noqa: F401 (the fixture: a company, its key, an admin, a story)

EXAMPLES = 6  # per operation and mode: ~56 operations x 2 modes x 2 stores stay within a few minutes
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
SUBSCRIBER_TAGS = {"subscriber", "queue", "search", "items"}  # the API key's routes; the rest take staff
# The stream's 200 never ends (that is its point), so only its refusals are fuzzed here; its success
# path is tested in tests/web/test_stream_promises.py.
ENDLESS = {"GET /v1/stream"}


@pytest.fixture
def server(world: World) -> Iterator[str]:  # noqa: F811
    with live_server(world.svc) as url:
        yield url


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def test_every_route_lists_its_error_statuses_with_the_error_body(server: str) -> None:
    spec = httpx.get(server + "/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's {"detail"} is not our body
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"] and set(error["properties"]) == {"error", "fields"}
    for method, path, operation in _operations(spec):
        answers = operation["responses"]
        for status, answer in answers.items():
            if status.startswith(("4", "5")):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        listed = set(answers)
        params = {p["in"] for p in operation.get("parameters", [])}
        secured = path not in ("/v1/ingest",) and not path.startswith("/v1/products/{product_id}")
        assert not secured or {"401", "403"} <= listed, (method, path, listed)
        assert "path" not in params or "404" in listed, (method, path, listed)
        assert not (params or "requestBody" in operation) or "422" in listed, (method, path, listed)
        assert method not in ("POST", "PUT", "PATCH") or "413" in listed, (method, path, listed)
    by_route = {(m, p): set(o["responses"]) for m, p, o in _operations(spec)}
    assert {"304", "410"} <= by_route["GET", "/v1/items/{guid}"] and "304" in by_route["GET", "/v1/feed"]
    assert "429" in by_route["GET", "/v1/feed"] and "409" in by_route["POST", "/v1/queue/{consumer}/ack"]


def _credentials(world: World, operation: Any) -> dict[str, str]:  # noqa: F811
    tags = set(operation.definition.raw.get("tags", []))
    return world.key if tags & SUBSCRIBER_TAGS else world.admin


def _query_names(operation: Any) -> set[str]:
    return {p["name"] for p in operation.definition.raw.get("parameters", []) if p["in"] == "query"}


def _known_ids(world: World) -> dict[str, str]:  # noqa: F811
    """Path parameters that name something, so the fuzzing also reaches past the 404s."""
    products = world.svc.subscribers.list_products()
    return {"guid": world.guid, "company_id": world.company, "endpoint_id": world.endpoint,
            "product_id": str(products[0].id), "consumer": "cms", "kind": "atom"}


def _fuzz(server: str, operation: Any, strategy: Any, auth: dict[str, str]) -> list[str]:
    """What the checks found in a few examples of one operation (empty: it kept its contract)."""
    problems: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def exercise(case: Any) -> None:
        case.headers = {**(case.headers or {}), **auth}
        response = case.call(base_url=server, timeout=20)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a group: collect, go on
            problems.append(f"{case.method} {case.formatted_path}: {exc}"[:1500])

    # nothing in its schema to break (e.g. a free-form body): the positive run covers it
    with contextlib.suppress(Unsatisfiable):
        exercise()
    return problems


def test_the_running_server_keeps_its_contract(server: str, world: World) -> None:  # noqa: F811
    schema = schemathesis.openapi.from_url(server + "/openapi.json")
    known = _known_ids(world)
    found: dict[str, list[str]] = {}
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        auth = _credentials(world, operation)
        names = {p.name for p in operation.path_parameters}
        runs = [(GenerationMode.NEGATIVE, None)]
        if operation.label not in ENDLESS:
            runs += [(GenerationMode.POSITIVE, None)]
            if names and names <= set(known):
                runs += [(GenerationMode.POSITIVE, {n: known[n] for n in names})]
        for mode, path_parameters in runs:
            # a long-poll waits up to 30 s for news that never comes here: fuzz it without the wait
            query = {"wait": 0} if "wait" in _query_names(operation) else None
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters, query=query)
            problems = _fuzz(server, operation, strategy, auth)
            if problems:
                found.setdefault(operation.label, []).extend(f"{mode.value}: {p}" for p in problems)
    assert not found, "\n\n".join(f"{label}:\n{problems[0]}" for label, problems in found.items())
    assert time.monotonic() - started < 240, "the contract run outgrew its few minutes"
