"""Retroactive exposure search: the indicators a message carried (URLs, domains, attachment hashes, senders),
indexed by the scan step, so that "who received this link last week?" reads one partition per indicator."""
