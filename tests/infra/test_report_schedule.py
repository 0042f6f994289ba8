"""The summary reports' run in the template (issue 17): EventBridge Scheduler invokes `summary_reports_at_hour` in
the api function hourly (it makes reports in the hour and time zone of the current settings), and the function may
keep and read summary-reports/."""

from __future__ import annotations

import json


def test_the_reports_run_daily_and_may_write_their_prefix(resources):
    schedules = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    reports = next(s for s in schedules if "summary_reports" in json.dumps(s["Target"].get("Input", "")))
    assert reports["ScheduleExpression"] == "cron(5 * * * ? *)"  # hourly: the job keeps the settings' hour
    assert json.loads(reports["Target"]["Input"]) == {"mailgate_job": "summary_reports_at_hour"}
    policies = json.dumps([r["Properties"] for r in resources.values()  # a long policy overflows into a managed one
                           if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")])
    assert "summary-reports/*" in policies
