"""The README's command works offline: `cdk synth` through the pinned CLI, then cfn-lint on its output.

Slow-ish (~10 s: a second synth in a subprocess plus cfn-lint) but kept in the default run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.infra.conftest import OFFLINE_ENV, ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"


def test_cdk_synth_and_cfn_lint_pass_offline(tmp_path: Path) -> None:
    assert CDK.exists(), "npm ci first: the pinned CDK CLI is missing"
    env = {**os.environ, **OFFLINE_ENV}
    out = tmp_path / "cdk.out"
    synth = subprocess.run([str(CDK), "synth", "-q", "--no-notices", "-o", str(out)], cwd=ROOT / "infra",
                           env=env, capture_output=True, text=True, timeout=180, check=False)
    assert synth.returncode == 0, synth.stdout + synth.stderr
    assert "end-of-life" not in synth.stderr  # the jsii banner is silenced
    template = out / "MailgateStack.template.json"
    assert template.exists()
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), "--ignore-checks", "W3005", "--",
                           str(template)], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
