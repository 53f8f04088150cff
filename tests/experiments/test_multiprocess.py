"""Two processes with 4 CPU devices each train one model (the multi-host code path), slow: ~1 min."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from experiments.workdir import metrics

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
  with socket.socket() as s:
    s.bind(("localhost", 0))
    return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_train_one_model(tmp_path, tiny_data_dir):
  workdir = str(tmp_path / "work")
  env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS="--xla_force_host_platform_device_count=4")
  coordinator = f"localhost:{free_port()}"
  processes = [subprocess.Popen(
      [sys.executable, "-m", "tests.experiments.multiprocess_driver", coordinator, "2", str(i),
       tiny_data_dir, workdir], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, text=True) for i in range(2)]
  outputs = [p.communicate(timeout=600) for p in processes]
  for process, (_, stderr) in zip(processes, outputs):
    assert process.returncode == 0, stderr[-4000:]
  reports = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs]
  assert [(r["process_index"], r["process_count"], r["device_count"]) for r in reports] == [
      (0, 2, 8), (1, 2, 8)]
  # Both processes computed the same global evaluation over the 4 test shapes, counted once.
  assert reports[0]["results"] == reports[1]["results"]
  assert reports[0]["results"]["num_examples"] == 4
  # One metrics file (written by process 0 only) and one set of checkpoints.
  records = metrics.read_metrics(workdir)
  assert [r["step"] for r in records if r["split"] == "train"] == [1, 2, 3, 4]
  assert all(np.isfinite(r["loss"]) for r in records)
  assert sorted(os.listdir(os.path.join(workdir, "checkpoints"))) == ["2", "4"]
