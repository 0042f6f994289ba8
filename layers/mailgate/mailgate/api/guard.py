"""Every endpoint declares its roles here, in one table, as it is registered.

`endpoint(router, "GET", "/audit", SETTINGS_READERS)` registers the route with a middleware that
reads the Cognito claims API Gateway's authorizer verified, answers 401 without them and 403 for a
role not listed, and leaves the `Principal` in the resolver's context for the view. `PUBLIC`
routes take no token. `ROUTE_ROLES` is what the role-matrix test walks.
"""

from __future__ import annotations

from collections.abc import Callable
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


def endpoint(router: BaseRouter, method: str, rule: str, roles: frozenset[Role], **options: Any) -> Callable[[F], F]:
    ROUTE_ROLES[(method, rule)] = roles
    if roles:
        options.update(middlewares=[_guard(roles)], security=SECURITY)
    decorator: Callable[[F], F] = router.route(rule, method, **options)
    return decorator


def principal(router: BaseRouter) -> Principal:
    found = router.context.get("principal")
    assert isinstance(found, Principal), "a guarded route always has a principal"
    return found


def acting(router: BaseRouter, operation: str) -> Actor:
    """Who makes a settings change, for the audit trail."""
    who = principal(router)
    return Actor(who.who, who.subject, operation)
