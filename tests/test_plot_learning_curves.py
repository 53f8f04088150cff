"""benchmarks/plot_learning_curves: a PNG and a table from two workdirs' metrics."""

import json
import math
import os
import subprocess
import sys

from benchmarks import plot_learning_curves
from configs import embed_tiny
from experiments.workdir import config_io


def _workdir(path, medians):
  os.makedirs(path)
  config_io.save_config(embed_tiny.get_config(), path)
  with open(os.path.join(path, "metrics.jsonl"), "w") as f:
    f.write(json.dumps({"step": 1, "split": "train", "loss": 1.0}) + "\n")
    for step, median in enumerate(medians, 1):
      f.write(json.dumps({"step": 2 * step, "split": "eval", "pose_median": median,
                          "pose_acc@15": 0.5, "relative_error": 0.7}) + "\n")
  return path


def test_two_runs_give_a_png_and_a_table(tmp_path):
  a = _workdir(str(tmp_path / "a"), [100.0, 80.0])
  b = _workdir(str(tmp_path / "b"), [90.0])
  out = str(tmp_path / "curves.png")
  result = subprocess.run(
      [sys.executable, "-m", "benchmarks.plot_learning_curves", f"--out={out}", f"--run=A={a}",
       f"--run=B={b}"], capture_output=True, text=True, check=True)
  assert os.path.getsize(out) > 1000
  assert "| 2 | 100.0° / 50% / 0.70 | 90.0° / 50% / 0.70 |" in result.stdout
  assert "| 4 | 80.0° / 50% / 0.70 |  |" in result.stdout


def test_the_log_linear_fit_extrapolates_an_exact_law(tmp_path):
  # median = 200 − 20·log10(images), images = step · batch.
  batch = embed_tiny.get_config().batch_size
  steps = [2 * k for k in range(1, 9)]
  medians = [200 - 20 * math.log10(step * batch) for step in steps]
  path = _workdir(str(tmp_path / "a"), medians)
  out = str(tmp_path / "curves.png")
  result = subprocess.run(
      [sys.executable, "-m", "benchmarks.plot_learning_curves", f"--out={out}", f"--run=A={path}",
       "--fit_target=100", "--fit_from=0.5"], capture_output=True, text=True, check=True)
  # 100° at 10^5 images; the run ends at 16 · batch images.
  assert ("fit A: median ≈ 200.0° -20.0° · log10(images); -20.0° per tenfold images; 100° at "
          "100k images (") in result.stdout
  assert f"({1e5 / (16 * batch):,.0f}." in result.stdout


def test_a_flat_curve_never_reaches_the_target():
  assert plot_learning_curves.images_to_reach((50.0, 0.0), 10.0) is None
  assert plot_learning_curves.images_to_reach((50.0, -10.0), 30.0) == 100.0
