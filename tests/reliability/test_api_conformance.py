"""API conformance: whatever the OpenAPI schema allows, the app answers without a server error, with a body that
matches its own schema, every error in the one shape `{"error": {"code", "message", "param"}}`, and never the
database's path; on a store with court releases and the shelter register loaded.

Schemathesis runs in-process against the ASGI app (no network), every operation, reads and token-guarded writes
alike (the writes are refused without a token, which must itself conform).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from mppwatch.shelters.seed import seed
from mppwatch.store import Store
from mppwatch.web.app import create_app

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def full_db(court_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("conformance") / "full.duckdb"
    shutil.copy(court_db, path)
    with Store.open(path) as store:
        seed(store)
    return path


def test_every_operation_conforms_to_its_schema(full_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPPWATCH_RATE_LIMIT", "100000")  # hypothesis sends many requests from one client
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(full_db))
    checked: list[str] = []
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case: Any) -> None:
            response = case.call()
            where = f"{case.method} {case.path} {case.query}"
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # collected so one run reports every operation that breaks its contract
                failures.append(f"{where}: {str(exc)[:300]}")
            if str(full_db.parent) in response.text:
                failures.append(f"{where}: the response shows the database's folder")
            if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
                error = response.json().get("error") if isinstance(response.json(), dict) else None
                if not (isinstance(error, dict) and error.get("code") and error.get("message")):
                    failures.append(f"{where}: {response.status_code} without the error shape: {response.text[:200]}")

        conforms()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert not failures, "\n".join(failures[:10])
    assert any("/api/v1/court/" in c for c in checked) and any("/api/v1/shelters" in c for c in checked), checked
