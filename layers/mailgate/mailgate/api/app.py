"""The admin API's resolver: routers, roles, the error format, the OpenAPI document.

Every 4xx answer is `{"error": "<code>", "message": "<sentence>", ...}`: validation (422, with
`problems`, each naming its field), bad input past validation (400), no or invalid token (401), a
role not allowed (403), not found (404), a stale settings version (409).
"""

from __future__ import annotations

import json
import re
import uuid
from re import Match
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server

from mailgate import __version__
from mailgate.api.errors import Invalid
from mailgate.api.guard import PUBLIC, ROUTE_ROLES, endpoint, guard_before_validation, principal
from mailgate.api.ports import Ports
from mailgate.api.responses import Health, Me
from mailgate.api.roles import ALL_ROLES
from mailgate.api.routes_antispam import antispam_router
from mailgate.api.routes_backup import backup_router
from mailgate.api.routes_backup_release import backup_release_router
from mailgate.api.routes_backup_requests import release_requests_router
from mailgate.api.routes_backup_view import backup_view_router
from mailgate.api.routes_directory import directory_router
from mailgate.api.routes_dry_run import dry_run_router
from mailgate.api.routes_events import events_router
from mailgate.api.routes_explain import explain_router
from mailgate.api.routes_exposure import exposure_router
from mailgate.api.routes_import import import_router
from mailgate.api.routes_links import links_router
from mailgate.api.routes_lists import lists_router
from mailgate.api.routes_notifications import notifications_router
from mailgate.api.routes_quarantine import quarantine_router
from mailgate.api.routes_replay import replay_router
from mailgate.api.routes_reports import reports_router
from mailgate.api.routes_settings import settings_router
from mailgate.api.routes_shadow import shadow_router
from mailgate.api.routes_stats import stats_router
from mailgate.api.schemas import COMPONENTS, DOCUMENT_TYPES
from mailgate.errors import MailgateError
from mailgate.scanners.antivirus.engine_watch import ENGINE_COMPONENT, engine_warnings
from mailgate.scanners.antivirus.signature_watch import STATUS_COMPONENT, stale_sentence
from mailgate.web_console import API_ALLOW_HEADERS, API_EXPOSE_HEADERS, PREFLIGHT_MAX_AGE_SECONDS, console_origin

logger = Logger(service="mailgate-api", child=True)


class _Resolver(APIGatewayRestResolver):
    """A REST API passes `path` percent-encoded as the client sent it and Powertools takes route parameters
    from it: each is decoded here, so a rule named "Partner skip" is `rule_name="Partner skip"`."""

    def _convert_matches_into_route_keys(self, match: Match[str]) -> dict[str, str]:
        return {name: unquote(value) for name, value in match.groupdict().items()}


def _methods_for(path: str) -> list[str]:
    """The methods some route has for this path (the stack sends every method to the function)."""
    return sorted({method for method, rule in ROUTE_ROLES
                   if re.fullmatch(re.sub(r"<\w+>", "[^/]+", re.escape(rule)), path)})


def _json(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _field(location: Any) -> str:
    return ".".join(str(part) for part in location) if isinstance(location, list | tuple) else str(location)


def correlation_id(app: APIGatewayRestResolver) -> str:
    """API Gateway's request id: what Powertools Logger logs as the correlation id (API_GATEWAY_REST path),
    or Lambda's request id when there is none."""
    try:
        found = app.current_event.request_context.request_id
    except (AttributeError, KeyError):
        found = None
    if not found:
        found = getattr(app.lambda_context, "aws_request_id", None) if hasattr(app, "lambda_context") else None
    return str(found or uuid.uuid4())


def _internal_error(app: APIGatewayRestResolver, error: BaseException) -> Response[dict[str, Any]]:
    """A bug: logged with the correlation id; the client learns only that id, never the exception's text."""
    found = correlation_id(app)
    logger.exception("unexpected error in %s %s (correlation id %s)", app.current_event.http_method,
                     app.current_event.path, found, exc_info=error)
    return _json(500, {"error": "internal_error",
                       "message": f"an unexpected error occurred; the administrator can find it in the logs "
                                  f"by correlation id {found}",
                       "correlation_id": found})


def _register_errors(app: APIGatewayRestResolver) -> None:
    """One handler for the gateway's whole error hierarchy, one for the framework's request validation, and
    one for everything else: a bug (a built-in like ValueError included) is a 500, never a 4xx."""

    @app.exception_handler(MailgateError)  # type: ignore[untyped-decorator]
    def refused(error: MailgateError) -> Response[dict[str, Any]]:
        if error.http_status is None:  # a delivery or sync failure has no business reaching the API
            return _internal_error(app, error)
        return _json(error.http_status, error.body())

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def request_invalid(error: RequestValidationError) -> Response[dict[str, Any]]:
        errors = error.errors()
        if any(_field(e.get("loc", ())).startswith("response") for e in errors):
            return _internal_error(app, error)  # a view answered outside its declared model: our bug
        problems = [{"path": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in errors]
        invalid = Invalid(problems)
        return _json(invalid.http_status or 422, invalid.body())

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def unexpected(error: Exception) -> Response[dict[str, Any]]:
        if isinstance(error, ServiceError):  # the framework's own deliberate answers (e.g. a body that is no JSON)
            return _json(error.status_code, {"error": "bad_request" if error.status_code == 400 else "error",
                                             "message": error.msg})
        return _internal_error(app, error)

    @app.not_found
    def not_found(_error: Exception) -> Response[dict[str, Any]]:
        method, path = app.current_event.http_method, app.current_event.path
        allowed = _methods_for(path)
        if not allowed:
            return _json(404, {"error": "not_found", "message": "no such endpoint"})
        return Response(status_code=405, content_type=content_types.APPLICATION_JSON,
                        headers={"Allow": ", ".join(allowed)},
                        body={"error": "method_not_allowed",
                              "message": f"{method} is not allowed on {path}: use {', '.join(allowed)}"})


def _directory_warnings(ports: Ports) -> list[str]:
    """Duplicates and stale directory data, for whoever watches the health endpoint."""
    try:
        directory = ports.directory()
        return directory.warnings() if directory else []
    except Exception:  # the health endpoint answers even when the directory table cannot be read
        return ["directory: status unavailable"]


def _signatures(ports: Ports) -> tuple[dict[str, Any] | None, list[str]]:
    """The ClamAV signature status the scan function last published, and a warning when stale."""
    try:
        board = ports.status()
        signatures = board.read(STATUS_COMPONENT) if board else None
    except Exception:  # the health endpoint answers even when the settings table cannot be read
        return None, ["antivirus: signature status unavailable"]
    if signatures and signatures.get("stale"):
        return signatures, [f"antivirus: {stale_sentence(signatures)}"]
    return signatures, []


def _engines(ports: Ports) -> tuple[dict[str, Any], list[str]]:
    """Whether each scanner's engine answered when the scan function last used it (clamd for Anti-Virus)."""
    try:
        board = ports.status()
        antivirus = board.read(ENGINE_COMPONENT) if board else None
    except Exception:  # the health endpoint answers even when the settings table cannot be read
        return {}, ["antivirus: engine status unavailable"]
    return ({"antivirus": antivirus} if antivirus else {}), engine_warnings("antivirus", antivirus)


def _models(ports: Ports) -> tuple[dict[str, Any] | None, list[str]]:
    """What the organisation's anti-spam model has learned (version, counts, last change)."""
    try:
        feedback = ports.antispam()
        return ({"antispam": feedback.summary().to_dict()} if feedback else None), []
    except Exception:  # the health endpoint answers even when the model cannot be read
        return None, ["antispam: the learned model cannot be read"]


_FRAMEWORK_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def openapi_document(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The OpenAPI document as Powertools generates it, without the framework's validation error model:
    Powertools lists a 422 `HTTPValidationError` on every route, but our 422 is the one error model, and a
    route without parameters has no 422 at all (the routes declare theirs; see guard.declared_responses)."""
    document: dict[str, Any] = json.loads(app.get_openapi_json_schema())
    framework = {f"#/components/schemas/{name}" for name in _FRAMEWORK_SCHEMAS}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            for code in [code for code, answer in responses.items()
                         if answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
                         in framework]:
                del responses[code]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FRAMEWORK_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(_settings_schemas(set(schemas)))
    return document


def _settings_schemas(taken: set[str]) -> dict[str, Any]:
    """The JSON Schemas msgspec writes for the settings Structs the models refer to (mailgate.api.schemas),
    and every Struct inside them, under their class names."""
    import msgspec  # noqa: PLC0415 - only the document needs the schema generator

    _refs, components = msgspec.json.schema_components(sorted(DOCUMENT_TYPES, key=lambda t: t.__name__),
                                                       ref_template=COMPONENTS + "{name}")
    found: dict[str, Any] = json.loads(msgspec.json.encode(components))  # JSON types: defaults are tuples
    clashes = taken & set(found)
    if clashes:  # two schemas under one name: one route would declare the other's shape
        raise RuntimeError(f"API models and settings Structs share the names {sorted(clashes)}")
    return found


def _console_cors() -> CORSConfig | None:
    """CORS for the web console's origin and no other (`*` never); none at all without a console."""
    origin = console_origin()
    if origin is None:
        return None
    return CORSConfig(allow_origin=origin, allow_headers=list(API_ALLOW_HEADERS),
                      expose_headers=list(API_EXPOSE_HEADERS), max_age=PREFLIGHT_MAX_AGE_SECONDS,
                      allow_credentials=False)


def create_app(ports: Ports) -> APIGatewayRestResolver:
    app = _Resolver(enable_validation=True, cors=_console_cors())
    app.configure_openapi(
        title="mailgate admin API", version=__version__, servers=[Server(url="/")],
        description="Roles come from Cognito groups; send `Authorization: Bearer <ID token>`.",
        security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
    )
    _register_errors(app)
    guard_before_validation(app)

    @endpoint(app, "GET", "/health", PUBLIC, tags=["health"])
    def get_health() -> Health:
        """Liveness, versions and each scanner engine as the scan function last saw it; no token needed.
        `status` is `degraded` while an engine does not answer (mail is then held in Backup)."""
        cfg = ports.config()
        signatures, signature_warnings = _signatures(ports)
        models, model_warnings = _models(ports)
        engines, engine_problems = _engines(ports)
        return Health.model_validate({"status": "degraded" if engine_problems else "ok", "version": __version__,
                "authserv_id": cfg.authserv_id, "accepted_domains": sorted(cfg.domains), "engines": engines,
                "signatures": signatures, "models": models,
                "warnings": [*engine_problems, *_directory_warnings(ports), *signature_warnings, *model_warnings]})

    @endpoint(app, "GET", "/openapi.json", PUBLIC, include_in_schema=False)
    def openapi() -> dict[str, Any]:
        return openapi_document(app)

    @endpoint(app, "GET", "/me", ALL_ROLES, tags=["health"])
    def get_me() -> Me:
        """Who the token says you are, and your roles."""
        who = principal(app)
        return Me(subject=who.subject, username=who.username, addresses=list(who.addresses), roles=sorted(who.roles))

    for router in (events_router(ports), release_requests_router(ports), backup_router(ports),
                   backup_view_router(ports), settings_router(ports), directory_router(ports),
                   antispam_router(ports), explain_router(ports), notifications_router(ports), lists_router(ports),
                   dry_run_router(ports), import_router(ports),
                   quarantine_router(ports), backup_release_router(ports), links_router(ports), stats_router(ports),
                   reports_router(ports), replay_router(ports), shadow_router(ports),
                   exposure_router(ports)):
        app.include_router(router)
    return app
