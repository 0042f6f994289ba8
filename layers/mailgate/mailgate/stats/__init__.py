"""Traffic and detection counters: what the dashboard (`GET /stats`) and the metrics of issue 17 read."""
