"""Events to the SIEM: CEF or JSON lines (cef.py, json_format.py) in RFC 5424 syslog messages (syslog.py),
sent by a forwarder (forwarder.py) that reads the SIEM queue the event log writes to. See docs/siem.md."""
