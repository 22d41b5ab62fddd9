"""The intake against its own OpenAPI description, with generated requests (schemathesis).

Schemathesis reads ``/openapi.json`` and sends requests built from it, valid and invalid,
to the real app (real SQLite store, real Redis DB 13). Every answer must be documented:
no 5xx, a status code the spec lists for the operation, a body matching the schema of
that status, and the content type it declares; a request the schema forbids must be refused.
The reverse (every request the schema allows is accepted) is not checked: the intake also
enforces rules a JSON Schema cannot state (text with a non-space character, no control
characters, ids of a safe character set, lengths set by the settings), and answers them
with a documented 422.
"""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import positive_data_acceptance

from services.intake.app import create_app
from shared.settings import Settings

#: Examples per operation (four operations): about 400 requests, 10 to 20 s.
EXAMPLES = 100


def operations(app: object) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    every = [result.ok() for result in schema.get_all_operations()]
    # /readyz takes no input and answers 503 by design while no worker runs (as here);
    # its answers are tested in test_intake_health.py.
    return [op for op in every if op.label != "GET /readyz"]


def test_every_answer_is_documented(settings: Settings, redis_client: object) -> None:
    app = create_app(settings)
    with TestClient(app):  # runs the lifespan: the store is open while requests come
        checked = operations(app)
        assert {op.label for op in checked} >= {"POST /v1/articles", "GET /v1/events"}
        for operation in checked:

            @given(case=operation.as_strategy())
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def conforms(case: schemathesis.Case) -> None:
                case.call_and_validate(excluded_checks=[positive_data_acceptance])

            conforms()
