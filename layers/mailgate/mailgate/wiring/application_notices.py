"""Sending application notices (mailgate.notify.application) from any function: the mail goes the way the
Backup digest's does, as an own-mail order to the rules function (which holds the relay logins and DKIM keys),
or through that function's handler in-process in local mode; published to SNS when a topic is configured."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

from mailgate.aws.application_state import DynamoApplicationState, sns_publish
from mailgate.config import GatewayConfig
from mailgate.environment import Env
from mailgate.notify.application import Notice, announce, observe
from mailgate.wiring.process import config, local, settings

logger = Logger(service="mailgate-application-notices")


def _invoker() -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    if settings().rules_function:
        from mailgate.aws.function_invoker import LambdaInvoker  # noqa: PLC0415

        return LambdaInvoker(settings().rules_function)
    return local.rules_invoker


def send(mail_from: str, to: str, data: bytes) -> None:
    from mailgate.notify.own_mail import result_from, send_order  # noqa: PLC0415

    remote = _invoker()
    if remote is None:
        raise RuntimeError("no rules function to send the gateway's own mail through (RULES_FUNCTION unset)")
    result = result_from(remote(send_order(mail_from, to, data)))
    if to.lower() not in {a.lower() for a in result.accepted}:
        code, text = result.refused.get(to, (0, result.reply))
        raise RuntimeError(f"{result.host} refused {to}: {code} {text}".strip())


def notify(notice: Notice, settings_now: GatewayConfig | None = None,
           send_with: Callable[[str, str, bytes], None] | None = None) -> None:
    """Announces one notice (under `settings_now`, e.g. the settings just imported; else the current ones); a
    failure to send is logged, never raised into the caller's work. `send_with`: the rules function sends its
    own notices itself (it is the one the others ask)."""
    try:
        done = announce(settings_now or config(), notice, send_with or send, sns_publish,
                        os.environ.get(Env.APPLICATION_TOPIC_ARN, ""))
    except Exception:
        logger.exception("could not send an application notice", extra={"notice": notice.name})
        return
    if done.failed:
        logger.warning("an application notice did not reach every administrator",
                       extra={"notice": notice.name, "failed": done.failed, "sent": done.sent})


def state_store() -> DynamoApplicationState | None:
    table = settings().directory_table
    return DynamoApplicationState(table) if table else None


def directory_runs(runs: list[Any], names: dict[str, str]) -> None:
    """After directory syncs: a connection that starts failing or works again is announced once."""
    from mailgate.notify.application import directory_notice  # noqa: PLC0415

    store = state_store()
    if store is None or not config().application_notifications.sends("directory"):
        return
    for run in runs:
        if run.state not in ("succeeded", "failed") or run.error_kind == "busy":  # says nothing about the server
            continue
        try:
            change = observe(store, f"directory#{run.connection_id}", "ok" if run.state == "succeeded" else "failing")
        except Exception:
            logger.exception("could not record the directory connection's state", extra={"id": run.connection_id})
            continue
        if change is not None:
            detail = "; ".join(run.errors[-3:]) if change == "failing" else ""
            notify(directory_notice(names.get(run.connection_id, run.connection_id), change, detail))


def periodic_checks(depths: Mapping[str, Any], signatures: Mapping[str, Any] | None = None,
                    backup_bytes: int | None = None,
                    routes: Mapping[str, Mapping[str, Any] | None] | None = None) -> dict[str, Any]:
    """The api function's scheduled check: each dead-letter queue that starts holding messages, or is empty
    again, ClamAV signatures that become older than allowed, or fresh again, Backup near its limit, and each
    route (label → what the rules function noted) failing for the configured minutes, or working again, are
    announced once. Returns what changed."""
    from mailgate.notify.application import (  # noqa: PLC0415
        dead_letter_notice,
        dead_letter_states,
        signature_notice,
        signature_state,
    )
    from mailgate.scanners.antivirus.signature_watch import stale_sentence  # noqa: PLC0415

    store = state_store()
    changed: dict[str, Any] = {}
    if store is None:
        return changed
    sends = config().application_notifications.sends
    state = signature_state(signatures)
    if state is not None and sends("signatures_outdated"):
        change = observe(store, "signatures_outdated#clamav", state)
        if change is not None:
            changed["signatures_outdated#clamav"] = change
            notify(signature_notice(change, stale_sentence(dict(signatures or {}))))
    if backup_bytes is not None and sends("backup_size"):
        from mailgate.backup.retention import WARN_AT  # noqa: PLC0415
        from mailgate.notify.application import backup_size_notice, backup_size_state  # noqa: PLC0415

        limit = config().backup_max_megabytes * 2**20
        change = observe(store, "backup_size#backup", backup_size_state(backup_bytes, limit, WARN_AT))
        if change is not None:
            changed["backup_size#backup"] = change
            notify(backup_size_notice(change, backup_bytes, limit))
    if routes and sends("delivery_failing"):
        _route_checks(store, routes, changed)
    if not sends("dead_letters"):
        return changed
    for key, state, count in dead_letter_states(depths):
        change = observe(store, key, state)
        if change is not None:
            changed[key] = change
            notify(dead_letter_notice(key, change, count))
    return changed


def _route_checks(store: DynamoApplicationState, routes: Mapping[str, Mapping[str, Any] | None],
                  changed: dict[str, Any]) -> None:
    from mailgate.delivery.route_watch import route_label  # noqa: PLC0415
    from mailgate.notify.application import delivery_notice, delivery_states  # noqa: PLC0415

    current = config()
    for key, state, document in delivery_states(routes, current.application_notifications.delivery_failing_minutes):
        change = observe(store, key, state)
        if change is not None:
            label = key.partition("#")[2]
            changed[key] = change
            domains = [d for d, r in current.domains.items() if route_label(r)[:500] == label]
            notify(delivery_notice(change, label, domains, document))
