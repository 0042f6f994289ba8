"""Application notices in the template (issue 17): the construct's own SNS topic, which the functions that
announce (api, ldap_sync) may publish to and know by name, and the rules function's note about each route on
the status board (the `delivery_failing` notice), limited to that partition."""

from __future__ import annotations

import json
from typing import Any

from mailgate.environment import Env
from tests.infra.helpers import actions, of_type, role_id, statements

Resources = dict[str, dict[str, Any]]


def _topic_id(resources: Resources) -> str:
    return next(k for k in of_type(resources, "AWS::SNS::Topic") if "AdministratorNotices" in k)


def test_the_api_and_directory_functions_publish_to_the_notices_topic_and_know_it(resources):
    topic = _topic_id(resources)
    assert of_type(resources, "AWS::SNS::Topic")[topic]["Properties"].get("KmsMasterKeyId")  # encrypted
    for role_part in ("AdminApiRole", "DirectoryLdapSyncRole"):
        publishes = [s for s in statements(resources, role_id(resources, role_part)) if "sns:Publish" in actions(s)]
        assert any(json.dumps(s["Resource"]) == json.dumps({"Ref": topic}) for s in publishes), role_part
    functions = [f["Properties"]["Environment"]["Variables"] for f in of_type(resources, "AWS::Lambda::Function")
                 .values() if Env.APPLICATION_TOPIC_ARN in f["Properties"].get("Environment", {}).get("Variables", {})]
    assert len(functions) == 2 and all(v[Env.APPLICATION_TOPIC_ARN] == {"Ref": topic} for v in functions)


def test_the_rules_function_may_write_only_the_status_partition_of_the_settings_table(resources):
    granted = [s for s in statements(resources, role_id(resources, "ProcessingRulesRole"))
               if s.get("Sid") == "PublishRouteStatus"]
    assert [actions(s) for s in granted] == [["dynamodb:PutItem"]]
    assert granted[0]["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["status"]}}
