"""The Anti-Spam Quarantine: holding mail whose spam verdict is uncertain, and scanning it again later."""
