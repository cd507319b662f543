"""The schema as a machine reads it (issue 14, fault 15): every API response of the suite is
checked against it, and a client generated from it drives the contract's story.

- ``check_response`` validates one response against the operation the schema declares for its
  path and method, with openapi-core (status, media type, body, declared headers). The root
  conftest calls it for every response of Django's test client; the generated client's calls are
  checked by an httpx event hook (``httpx_response_hook``). A path the schema does not know may
  only answer 404 or 405.
- ``generated_client`` writes the schema to a directory, runs openapi-python-client on it and
  imports the package: nothing generated is committed.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

# Served beside the API but not part of it.
NOT_OPERATIONS = ("/api/v1/schema/", "/api/v1/docs/")


@cache
def schema() -> dict[str, Any]:
    """The OpenAPI document /api/v1/schema/ serves, built in-process."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def _text(data: bytes | str, **parameters: str) -> str:
    return data.decode(parameters.get("charset", "utf-8")) if isinstance(data, bytes) else data


@cache
def _openapi() -> OpenAPI:
    # CSV (the statistics' ?format=csv) is text: read it as such, and check it is a string.
    config = Config(extra_media_type_deserializers={"text/csv": _text})
    return OpenAPI.from_dict(schema(), config=config)


def _reasons(exc: BaseException) -> str:
    """openapi-core's error, field by field where the schema says why (values cut short)."""
    lines = [type(exc).__name__]
    cause = exc.__cause__
    while cause is not None:
        errors = getattr(cause, "schema_errors", None) or ()
        for error in errors:
            where = "/".join(str(p) for p in getattr(error, "absolute_path", ()))
            lines.append(f"  at {where or '(root)'}: {str(getattr(error, 'message', error))[:300]}")
        if not errors:
            lines.append(f"  {type(cause).__name__}: {str(cause)[:300]}")
        cause = cause.__cause__
    return "\n".join(lines)


def _validate(method: str, path: str, status: int, request: Any, response: Any) -> None:
    if not path.startswith("/api/") or path.startswith(NOT_OPERATIONS):
        return
    try:
        _openapi().validate_response(request, response)
    except (PathNotFound, OperationNotFound):
        # Nothing declared there: only "no such thing" is a right answer.
        assert status in (404, 405), f"{method} {path} answered {status}, not in the schema"
    except OpenAPIError as exc:
        raise AssertionError(
            f"{method} {path} answered {status}, which the schema does not allow:\n{_reasons(exc)}"
        ) from None


def check_response(request: Any, response: Any) -> None:
    """Fail unless a Django response to ``request`` is what the schema declares."""
    _validate(
        request.method,
        request.path,
        response.status_code,
        DjangoOpenAPIRequest(request),
        DjangoOpenAPIResponse(response),
    )


class _HttpxRequest:
    """An httpx request as openapi-core reads one."""

    def __init__(self, request: Any) -> None:
        url = request.url
        self.host_url = f"{url.scheme}://{url.netloc.decode()}"
        self.path = url.path
        self.method = request.method.lower()
        self.body = request.content
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            path={},
            query=ImmutableMultiDict(parse_qsl(url.query.decode(), keep_blank_values=True)),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class _HttpxResponse:
    def __init__(self, response: Any) -> None:
        self.data = response.content
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(list(response.headers.items()))


def httpx_response_hook(response: Any) -> None:
    """An httpx event hook: the generated client's every response is checked too."""
    response.read()
    _validate(
        response.request.method,
        response.request.url.path,
        response.status_code,
        _HttpxRequest(response.request),
        _HttpxResponse(response),
    )


def generated_client(directory: Path) -> ModuleType:
    """Generate a client from the schema with openapi-python-client into ``directory`` and
    import it (as ``tryggest_api_client``). Warnings of the generator fail."""
    document = directory / "schema.json"
    document.write_text(json.dumps(schema()), encoding="utf-8")
    config = directory / "config.json"
    config.write_text(json.dumps({"post_hooks": []}), encoding="utf-8")
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(directory / "tryggest_api_client"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"openapi-python-client failed:\n{result.stdout}{result.stderr}"
    sys.path.insert(0, str(directory))
    importlib.invalidate_caches()
    package = importlib.import_module("tryggest_api_client")
    importlib.import_module("tryggest_api_client.models")
    return package


@contextlib.contextmanager
def wsgi_calls_in_the_test_transaction() -> Iterator[None]:
    """Requests through the real WSGI handler (schemathesis, httpx's WSGI transport) send
    Django's request signals, whose handler closes an "obsolete" database connection: the test's
    own (and with it the test transaction on PostgreSQL). Django's test client keeps it open by
    disconnecting that handler around each of its requests, and connects it again afterwards, so
    a test-client request made inside this block (signing in with the shared helpers) would undo
    a disconnection here; the connections are therefore kept open for the block's duration."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    original = BaseDatabaseWrapper.close_if_unusable_or_obsolete
    BaseDatabaseWrapper.close_if_unusable_or_obsolete = lambda self: None
    try:
        yield
    finally:
        BaseDatabaseWrapper.close_if_unusable_or_obsolete = original


def csrf_token() -> str:
    """A value for the ``csrftoken`` cookie and the ``X-CSRFToken`` header of a staff call (any
    well-formed secret: Django compares the two)."""
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    return get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)


def operation(client_package: ModuleType, tag: str, name: str) -> Any:
    """One operation's module of the generated client, e.g. ``("enquiries", "enquiries_create")``
    (its ``sync``, ``sync_detailed``, …)."""
    return importlib.import_module(f"{client_package.__name__}.api.{tag}.{name}")
