"""The settings table: conditional writes with their audit entry in one transaction; audit by time."""

import pytest

from mailgate.aws import resources
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.config import GatewayConfig
from mailgate.settings.audit import AuditEntry
from mailgate.settings.errors import VersionConflict
from mailgate.settings.service import Actor, SettingsService, merge_general


def _service():
    resources.create_settings_table("settings")
    return SettingsService(DynamoSettingsStore("settings"), GatewayConfig)


def test_first_change_starts_from_the_deployment_configuration_and_is_audited(aws):
    service = _service()
    assert service.current().version == 0
    record = service.change(0, lambda c: merge_general(c, {"event_retention_days": 10}),
                            Actor("admin <a@x.test>", "sub-1", "PATCH /settings/general"))
    assert record.version == 1
    assert service.current().config.event_retention_days == 10
    entries, cursor = service.store.audit_between("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", 10, None)
    assert cursor is None
    [entry] = entries
    assert entry.actor == "admin <a@x.test>" and entry.operation == "PATCH /settings/general"
    assert entry.changes == ({"path": "$.event_retention_days", "before": 90, "after": 10},)


def test_a_stale_version_is_a_conflict_and_writes_nothing(aws):
    service = _service()
    actor = Actor("a", "s", "op")
    service.change(0, lambda c: merge_general(c, {"event_retention_days": 10}), actor)
    with pytest.raises(VersionConflict) as conflict:
        service.change(0, lambda c: merge_general(c, {"event_retention_days": 20}), actor)
    assert conflict.value.current == 1
    assert service.current().config.event_retention_days == 10
    # a writer that read version 1 but lost the race to another writer: the store's condition refuses it
    store = service.store
    service.change(1, lambda c: c, actor)
    with pytest.raises(VersionConflict):
        store.save(GatewayConfig(), 1, AuditEntry("a", "s", "op", 1, 2, ()))


def test_audit_pages_newest_first_across_months(aws):
    resources.create_settings_table("settings")
    store = DynamoSettingsStore("settings")
    version = 0
    for month in ("2026-09", "2026-10", "2026-11"):
        for day in ("01", "02"):
            store.save(GatewayConfig(), version, AuditEntry("a", "s", "op", version, version + 1, (),
                                                            at=f"{month}-{day}T10:00:00.000000Z"))
            version += 1
    seen, cursor = [], None
    while True:
        entries, cursor = store.audit_between("2026-09-15T00:00:00Z", "2026-11-30T00:00:00Z", 2, cursor)
        seen += [e.at[:10] for e in entries]
        if cursor is None:
            break
    assert seen == ["2026-11-02", "2026-11-01", "2026-10-02", "2026-10-01"]
    with pytest.raises(ValueError, match="invalid"):
        store.audit_between("2026-09-15T00:00:00Z", "2026-11-30T00:00:00Z", 2, "eyJtb250aCI6ICIxOTk5LTAxIn0=")
