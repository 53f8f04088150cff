"""Smoke test of the PNG data sheet binary (experiments/data_sheet.py) on tiny settings."""

import os
import subprocess
import sys

import numpy as np
from matplotlib import image as mpimg

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def test_data_sheet_writes_png(tmp_path):
  output = tmp_path / "sheet.png"
  subprocess.run([sys.executable, "-m", "experiments.data_sheet", f"--output={output}",
                  "--meshes=2", "--bandwidth=8", "--image_size=16"], cwd=REPO, check=True,
                 capture_output=True)
  picture = mpimg.imread(output)
  assert picture.ndim == 3 and picture.shape[0] > 100 and picture.shape[1] > 200
  assert np.ptp(picture[..., :3]) > 0.5  # something was drawn
