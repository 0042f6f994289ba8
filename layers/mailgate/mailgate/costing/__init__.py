"""What one message costs on AWS: its measured usage (mailgate.costing.usage) priced (mailgate.costing.model)."""
