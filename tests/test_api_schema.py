"""Property-based API test: whatever the OpenAPI schema allows, the server answers without a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from mppwatch.web.app import create_app


@pytest.mark.parametrize("db", ["bundled_db", "court_db"])
def test_api_never_fails_with_a_server_error(db: str, request: pytest.FixtureRequest) -> None:
    """Against the bundled data alone, and with court releases loaded (the court endpoints' success paths)."""
    path: Path = request.getfixturevalue(db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(path))
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case: Any) -> None:
            response = case.call()
            assert response.status_code < 500, (case.path, case.query, response.text[:300])

        no_server_error()
        checked.append(operation.path)
    assert "/api/v1/series" in checked and len(checked) >= 6
