"""The last known state of each application-event condition (mailgate.notify.application), in the directory
table: partition `#application`, sort key the condition (`directory#<connection id>`), never read by the
directory cache (its partitions are `connections`, `pointers` and `conn#<id>`)."""

from __future__ import annotations

from typing import Any

from mailgate.aws import dynamo
from mailgate.notify.application import State

PARTITION = "#application"


class DynamoApplicationState:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def swap(self, key: str, state: State, at: str) -> tuple[bool, str | None]:
        """A conditional update: written only when the recorded state differs, so of two writers recording the
        same change exactly one sees changed=True (the other's condition fails)."""
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            answer = self.table.update_item(
                Key={"pk": PARTITION, "sk": key},
                UpdateExpression="SET #s = :s, changed_at = :at",
                ConditionExpression="attribute_not_exists(#s) OR #s <> :s",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":s": state, ":at": at},
                ReturnValues="UPDATED_OLD")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False, state
            raise
        old = answer.get("Attributes", {}).get("state")
        return True, str(old) if old is not None else None

    def forget(self, key: str) -> None:
        self.table.delete_item(Key={"pk": PARTITION, "sk": key})


def sns_publish(topic_arn: str, subject: str, text: str) -> None:
    """An application notice to the administrators' SNS topic (application_notifications.sns_topic_arn)."""
    from mailgate.aws.clients import client  # noqa: PLC0415

    printable = "".join(c if " " <= c <= "~" else "?" for c in subject)[:100]  # SNS: ASCII, one line, < 100
    client("sns").publish(TopicArn=topic_arn, Subject=printable, Message=text)
