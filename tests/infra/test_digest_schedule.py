"""The digest's schedule and its public, throttled link resource in the template (issue 14)."""

from __future__ import annotations

import json


def test_the_digest_runs_daily_at_the_configured_hour_and_its_links_are_public_but_throttled(resources):
    """Issue 14: EventBridge Scheduler runs `backup_digest_at_hour` in the api function hourly (it sends at the
    digest's hour and time zone of the current settings);
    /links/{token} takes no Cognito token and is throttled to a few requests a second."""
    schedules = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    digest = next(s for s in schedules if "backup_digest" in json.dumps(s["Target"].get("Input", "")))
    assert digest["ScheduleExpression"] == "cron(0 * * * ? *)"  # hourly: the job keeps the settings' hour
    assert json.loads(digest["Target"]["Input"]) == {"mailgate_job": "backup_digest_at_hour"}
    token = next(k for k, r in resources.items() if r["Type"] == "AWS::ApiGateway::Resource"
                 and r["Properties"]["PathPart"] == "{token}")
    methods = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Method"
               and r["Properties"]["ResourceId"] == {"Ref": token}]
    assert sorted(m["HttpMethod"] for m in methods) == ["GET", "POST"]
    assert all(m["AuthorizationType"] == "NONE" and "AuthorizerId" not in m for m in methods)
    stage = next(r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage")
    throttled = next(m for m in stage["MethodSettings"] if m["ResourcePath"] == "/~1links~1{token}")
    assert (throttled["ThrottlingRateLimit"], throttled["ThrottlingBurstLimit"]) == (5, 10)
