"""Small readers over the synthesised template's JSON."""

from __future__ import annotations

import json
from typing import Any


def of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in resources.items() if r["Type"] == kind}


def role_id(resources: dict[str, dict[str, Any]], path_part: str) -> str:
    """The logical id of the function role whose id contains `path_part` (e.g. 'ProcessingScanRole')."""
    return next(k for k in of_type(resources, "AWS::IAM::Role") if path_part in k)


def statements(resources: dict[str, dict[str, Any]], role: str) -> list[dict[str, Any]]:
    """All statements of the policies attached to `role`: inline, and the managed ones CDK moves a long inline
    policy's overflow into."""
    out: list[dict[str, Any]] = []
    policies = {**of_type(resources, "AWS::IAM::Policy"), **of_type(resources, "AWS::IAM::ManagedPolicy")}
    for policy in policies.values():
        if {"Ref": role} in policy["Properties"].get("Roles", []):
            out.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return out


def actions(statement: dict[str, Any]) -> list[str]:
    a = statement["Action"]
    return [a] if isinstance(a, str) else list(a)


def resources_text(statement: dict[str, Any]) -> str:
    return json.dumps(statement.get("Resource"))
