"""DNS for mailgate: one resolver object that every lookup goes through."""

from mailgate.dns.resolver import DnsTempError, Resolver

__all__ = ["DnsTempError", "Resolver"]
