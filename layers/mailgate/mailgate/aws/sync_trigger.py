"""Start an on-demand directory sync: an asynchronous invocation of the ldap_sync function."""

from __future__ import annotations

import json

from mailgate.aws.clients import client


class LambdaSyncTrigger:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    def __call__(self, connection_id: str, sync_id: str) -> None:
        client("lambda").invoke(FunctionName=self.function_name, InvocationType="Event",
                                Payload=json.dumps({"connection_id": connection_id, "sync_id": sync_id}).encode())
