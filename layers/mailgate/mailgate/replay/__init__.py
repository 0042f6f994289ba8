"""Replay and shadow mode: the rules step's decisions under proposed settings, beside the live ones, with no
side effect (docs/replay.md). `diff` compares and counts (pure), `deciding` decides under one configuration,
`job` runs a replay over a time range, `shadow` records a candidate's would-be decisions for new mail."""
