"""The gateway's settings as a stored, versioned document: validation, export/import, audit trail."""
