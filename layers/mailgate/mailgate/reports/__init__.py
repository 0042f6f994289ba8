"""Summary reports: a period's traffic, detections, Backup and directory health as an HTML mail with inline charts
and a PDF (mailgate.reports.gather collects, mailgate.reports.render draws)."""
