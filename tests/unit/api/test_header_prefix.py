"""The names of our verdict header fields are a general setting, validated."""

from __future__ import annotations

from tests.unit.api.resolver import call, local_app


def test_header_prefix_is_changed_through_general_settings_and_validated(aws) -> None:
    app = local_app()
    current = call(app, "GET", "/settings/general", "Administrator")[1]
    assert current["header_prefix"] == "X-Mailgate-"
    for bad in ("Mailgate-", "X-Corp Scan-", "X-Corp:", "X-" + "a" * 40 + "-"):
        status, body = call(app, "PATCH", "/settings/general", "Administrator",
                            {"version": current["version"], "header_prefix": bad})
        assert status == 422, bad
        assert "header_prefix" in str(body["problems"]), body
    status, saved = call(app, "PATCH", "/settings/general", "Administrator",
                         {"version": current["version"], "header_prefix": "X-Corp-Scan-"})
    assert (status, saved["header_prefix"]) == (200, "X-Corp-Scan-")
