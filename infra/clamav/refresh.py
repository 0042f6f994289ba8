"""freshclam refresh: download ClamAV signatures, upload them to the signature bucket, publish the age."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3

DB_DIR = Path("/tmp/clamav")  # noqa: S108 - Lambda's only writable directory


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    DB_DIR.mkdir(parents=True, exist_ok=True)
    config = DB_DIR / "freshclam.conf"
    config.write_text(f"DatabaseDirectory {DB_DIR}\nDatabaseMirror database.clamav.net\n")
    subprocess.run(["/usr/bin/freshclam", f"--config-file={config}", "--stdout"],  # noqa: S603 - fixed argv
                   check=True, timeout=600)
    bucket = os.environ["SIGNATURE_BUCKET"]
    s3 = boto3.client("s3")
    newest = 0.0
    for path in DB_DIR.glob("*.c[lv]d"):
        s3.upload_file(str(path), bucket, f"clamav/{path.name}")
        newest = max(newest, path.stat().st_mtime)
    age_hours = (time.time() - newest) / 3600 if newest else 1e6
    boto3.client("cloudwatch").put_metric_data(
        Namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "mailgate"),
        MetricData=[{"MetricName": "SignatureAgeHours", "Value": age_hours, "Unit": "None"}])
    return {"uploaded": bucket, "signature_age_hours": age_hours}
