"""mailgate: the domain library of the secure mail gateway, shipped as the Lambda layer."""

__version__ = "0.1.0"
