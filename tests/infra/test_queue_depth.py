"""The admin API reads the depth of the scan and rules queues and their dead-letter queues (GET /stats): it may
call GetQueueAttributes on those four queues and nothing else of SQS, and knows their URLs."""

from __future__ import annotations

import json
from typing import Any

from mailgate.environment import Env
from tests.infra.helpers import actions, of_type, role_id, statements

Resources = dict[str, dict[str, Any]]


def _api_function(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return next(r for k, r in of_type(resources, "AWS::Lambda::Function").items()
                if k.startswith("GatewayAdmin") or "AdminApi" in k or "AdminFunction" in k)


def test_the_api_may_read_the_four_queues_depth_and_nothing_else_of_sqs(resources):
    granted = [s for s in statements(resources, role_id(resources, "AdminApiRole"))
               if any(a.startswith("sqs:") for a in actions(s))]
    assert [actions(s) for s in granted] == [["sqs:GetQueueAttributes"]]
    queues = {k for k in of_type(resources, "AWS::SQS::Queue")
              if any(part in k for part in ("ScanQueue", "RulesQueue"))}
    assert len(queues) == 4, queues
    assert {r["Fn::GetAtt"][0] for r in granted[0]["Resource"]} == queues


def test_the_api_knows_the_queues_urls(resources):
    variables = _api_function(resources)["Properties"]["Environment"]["Variables"]
    for name in (Env.SCAN_QUEUE_URL, Env.SCAN_DLQ_URL, Env.RULES_QUEUE_URL, Env.RULES_DLQ_URL):
        assert "Ref" in json.dumps(variables[name]), name
