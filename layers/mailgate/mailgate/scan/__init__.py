"""The scan step: an inbound event and its envelope → the scanners → a ScanReport handed to the rules step."""
