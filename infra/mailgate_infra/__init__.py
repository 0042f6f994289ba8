"""mailgate's CDK app: the `MailGateway` L3 construct and the stack that deploys it."""

from mailgate_infra.gateway import MailGateway, MailGatewayProps

__all__ = ["MailGateway", "MailGatewayProps"]
