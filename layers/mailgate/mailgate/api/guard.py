"""Every endpoint declares its roles here, in one table, as it is registered.

`endpoint(router, "GET", "/audit", SETTINGS_READERS)` registers the route with a middleware that
reads the Cognito claims API Gateway's authorizer verified, answers 401 without them and 403 for a
role not listed, and leaves the `Principal` in the resolver's context for the view. `PUBLIC`
routes take no token. `ROUTE_ROLES` is what the role-matrix test walks.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from mailgate.api.request_limits import check_body
from mailgate.api.roles import Principal, Role, authorize, principal_from_claims
from mailgate.settings.service import Actor

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC: frozenset[Role] = frozenset()
ROUTE_ROLES: dict[tuple[str, str], frozenset[Role]] = {}  # (method, Powertools rule) → roles allowed
SECURITY: list[dict[str, list[str]]] = [{"cognito": []}]  # the OpenAPI security requirement of every guarded route


def _guard(allowed: frozenset[Role]) -> Callable[[Any, NextMiddleware], Response[Any]]:
    def require_role(app: Any, next_middleware: NextMiddleware) -> Response[Any]:
        principal = principal_from_claims(app.current_event.request_context.authorizer.claims)
        authorize(principal, allowed)
        app.append_context(principal=principal)
        return next_middleware(app)

    return require_role


def guard_before_validation(app: Any) -> None:
    """Authentication and roles before the request is validated, and the body bounded before it is parsed:
    a caller without a token or the role gets 401/403, never 422 with the schema. Powertools always runs
    its request validation first in a route's stack, so the check wraps that middleware."""
    validation = getattr(app, "_request_validation_middleware", None)
    if validation is None:
        return

    def guarded(resolver: Any, next_middleware: NextMiddleware) -> Response[Any]:
        route = resolver.context.get("_route")
        roles = ROUTE_ROLES.get((route.method, route.path)) if route is not None else None
        if roles:
            authorize(principal_from_claims(resolver.current_event.request_context.authorizer.claims), roles)
        check_body(resolver.current_event.body)
        response: Response[Any] = validation(resolver, next_middleware)
        return response

    app._request_validation_middleware = guarded


ERROR_DESCRIPTIONS = {
    400: "bad input past validation (a forged cursor, an impossible date, a body nested too deep)",
    401: "no valid bearer token",
    403: "a role this operation does not allow",
    404: "not found (also what a personal user gets for what is not theirs)",
    409: "stale `version`: reload and apply again (`current_version` says where it is now)",
    413: "the request body (or the uploaded message) is too large",
    422: "the request does not match its schema, or a document has problems: `problems` names each",
    500: "an unexpected error: `correlation_id` finds it in the logs",
    503: "this deployment lacks what the operation needs",
}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def declared_responses(method: str, roles: frozenset[Role], status: int, errors: Iterable[int],
                       func: Callable[..., Any], success: dict[str, Any] | None = None) -> dict[int, Any]:
    """The answers a route can give: its success (the view's return model, unless `success` says the
    content), 401/403 when guarded, 422 when it takes parameters, 400/413 when it takes a body, 500 always,
    and `errors`; every error in the one error model."""
    from mailgate.api.responses import ErrorBody  # noqa: PLC0415 - pydantic models, built once per route

    codes = set(errors) | {500}
    if roles:
        codes |= {401, 403}
    if inspect.signature(func).parameters:
        codes.add(422)
    if method in _BODY_METHODS:
        codes |= {400, 413}
    summary = (inspect.getdoc(func) or "").split("\n")[0] or "OK"
    answers: dict[int, Any] = {status: {"description": summary, **({"content": success} if success else {})}}
    for code in sorted(codes):
        answers[code] = {"description": ERROR_DESCRIPTIONS[code],
                         "content": {"application/json": {"model": ErrorBody}}}
    return answers


def endpoint(router: BaseRouter, method: str, rule: str, roles: frozenset[Role], *, status: int = 200,
             errors: Iterable[int] = (), success: dict[str, Any] | None = None,
             **options: Any) -> Callable[[F], F]:
    """Register a view with its roles and the answers it declares (see `declared_responses`); its
    operationId is its name in camelCase (`list_backup` → `listBackup`)."""
    ROUTE_ROLES[(method, rule)] = roles
    if roles:
        options.update(middlewares=[_guard(roles)], security=SECURITY)

    def register(func: F) -> F:
        if options.get("include_in_schema", True):
            options.setdefault("operation_id", _camel(func.__name__))
            options["responses"] = declared_responses(method, roles, status, errors, func, success)
        registered: F = router.route(rule, method, status_code=status, **options)(func)
        return registered

    return register


def principal(router: BaseRouter) -> Principal:
    found = router.context.get("principal")
    assert isinstance(found, Principal), "a guarded route always has a principal"
    return found


def acting(router: BaseRouter, operation: str) -> Actor:
    """Who makes a settings change, for the audit trail."""
    who = principal(router)
    return Actor(who.who, who.subject, operation)
