"""Smoke test of benchmarks/bench_embed.py on the tiny embed config: every timing line printed."""

import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_benchmark_runs_on_the_tiny_config(binary_env):
  out = subprocess.run(
      [sys.executable, "-m", "benchmarks.bench_embed", "--config=configs/embed_tiny.py",
       "--repeats=1", "--pairs=2"], cwd=REPO_ROOT, env=binary_env(), capture_output=True, text=True,
      check=True, timeout=600).stdout
  assert "train step, batch 8:" in out and "Φ's targets" in out
  assert "relative_pose, 2 pairs:" in out
