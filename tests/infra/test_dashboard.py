"""The dashboard graphs the rules step's per-message metrics (mailgate.stats.metrics): traffic, latency and bytes,
threats, authentication failures and scanner errors, under the names the code prints; the alarms are unchanged."""

from __future__ import annotations

import json
from typing import Any

from mailgate.stats.metrics import BYTES, DETECTION_METRICS, LATENCY, TRAFFIC_METRICS
from tests.infra.helpers import of_type


def _body(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's JSON: its body is a Fn::Join of strings and the region's reference."""
    [dashboard] = of_type(resources, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    if isinstance(body, dict):
        _separator, parts = body["Fn::Join"]
        body = "".join(p if isinstance(p, str) else "us-east-1" for p in parts)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def _graphs(resources: dict[str, dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """widget title → its metrics (each `[namespace, name, dimension, value, ..., {options}]`)"""
    return {w["properties"]["title"]: w["properties"].get("metrics", [])
            for w in _body(resources)["widgets"] if "title" in w.get("properties", {})}


def _names(metrics: list[list[Any]]) -> list[str]:
    return [m[1] for m in metrics if m and m[0] == "mailgate"]


def test_the_traffic_graphs_show_each_message_metric_of_the_rules_function(resources):
    graphs = _graphs(resources)
    assert _names(graphs["Messages"]) == list(TRAFFIC_METRICS)
    assert TRAFFIC_METRICS == ("Received", "Delivered", "Held", "Rejected", "Deleted")
    latency = graphs["Delivery latency (receipt to delivery) / bytes received"]
    assert _names(latency) == [LATENCY, LATENCY, BYTES]
    stats = [m[-1].get("stat") for m in latency]
    assert stats == ["p50", "p95", "Sum"]
    assert all(m[2:4] == ["service", "mailgate-rules"] for m in graphs["Messages"] + latency)


def test_every_detection_metric_is_on_one_graph(resources):
    graphs = _graphs(resources)
    threats = _names(graphs["Threats detected"])
    authentication = _names(graphs["Authentication failures (SPF, DKIM, DMARC)"])
    errors = _names(graphs["Scanner errors"])
    for name in ("AntivirusInfected", "AntivirusUnscannable", "AntispamSpam", "AntispamProbableSpam",
                 "AntispamMassMailing", "AntiphishingPhishing", "LinksMaliciousLink", "ContentFilterViolation"):
        assert name in threats
    for name in ("SpfFail", "DkimFail", "DmarcFail"):
        assert name in authentication
    assert "AntivirusError" in errors and "DmarcError" in errors
    shown = set(threats) | set(authentication) | set(errors)
    left_out = set(DETECTION_METRICS) - shown
    assert left_out == {"SpfNone", "SpfNeutral", "DkimNone", "DkimNeutral", "DmarcNone"}  # no finding, no graph


def test_the_alarms_are_unchanged(resources):
    alarms = of_type(resources, "AWS::CloudWatch::Alarm").values()
    assert not [a for a in alarms if a["Properties"].get("MetricName") in (*TRAFFIC_METRICS, *DETECTION_METRICS)]
