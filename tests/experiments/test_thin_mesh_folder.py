"""experiments.thin_mesh_folder and mesh_subsets: fewer training meshes, the same validation and
test meshes."""

import os
import subprocess
import sys

import pytest

from data_pipelines.builders import base
from data_pipelines.builders import modelnet
from experiments.training.thin_mesh_folder import thin_mesh_folder

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _official_layout(root, train=40, test=5):
  """Placeholder .off files (text, not meshes) for two classes: only the links are under test."""
  for name in ("chair", "table"):
    for split, count in (("train", train), ("test", test)):
      os.makedirs(root / name / split)
      for index in range(1, count + 1):
        (root / name / split / f"{name}_{index:04d}.off").write_text(f"{name} {split} {index}")
      (root / name / split / "notes.txt").write_text("not a mesh")


def _files(root, name, split):
  return sorted(os.listdir(root / name / split))


def test_keeps_validation_and_test_and_every_kth_other_training_mesh(tmp_path):
  _official_layout(tmp_path / "full")
  counts = thin_mesh_folder(str(tmp_path / "full"), 3, str(tmp_path / "thin"))
  for name in ("chair", "table"):
    full, thin = _files(tmp_path / "full", name, "train"), _files(tmp_path / "thin", name, "train")
    is_validation = lambda file: base.is_validation_mesh(modelnet.mesh_id(name, file))
    validation = [f for f in full if f.endswith(".off") and is_validation(f)]
    others = [f for f in full if f.endswith(".off") and not is_validation(f)]
    assert validation  # 40 ids give a few validation meshes per class (1 in 8 by crc32)
    assert [f for f in thin if is_validation(f)] == validation
    assert [f for f in thin if not is_validation(f)] == others[::3]
    assert _files(tmp_path / "thin", name, "test") == [f"{name}_{i:04d}.off" for i in range(1, 6)]
    assert counts[name] == {"train": len(others[::3]), "train_found": len(others),
                            "validation": len(validation), "test": 5}
    link = tmp_path / "thin" / name / "train" / thin[0]
    assert os.path.islink(link) and link.read_text() == f"{name} train {int(thin[0][-8:-4])}"


def test_bad_arguments_are_named(tmp_path):
  _official_layout(tmp_path / "full", train=2, test=1)
  with pytest.raises(ValueError, match="keep_every"):
    thin_mesh_folder(str(tmp_path / "full"), 0, str(tmp_path / "a"))
  with pytest.raises(ValueError, match="no <class>/train folders"):
    thin_mesh_folder(str(tmp_path / "missing"), 2, str(tmp_path / "b"))
  (tmp_path / "c").mkdir()
  (tmp_path / "c" / "x").write_text("")
  with pytest.raises(ValueError, match="not empty"):
    thin_mesh_folder(str(tmp_path / "full"), 2, str(tmp_path / "c"))


def test_binary_reports_the_counts(tmp_path):
  _official_layout(tmp_path / "full")
  result = subprocess.run(
      [sys.executable, "-m", "experiments.thin_mesh_folder", f"--mesh_dir={tmp_path / 'full'}",
       "--keep_every=2", f"--output_dir={tmp_path / 'thin'}"],
      cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
  assert result.returncode == 0, result.stderr[-4000:]
  expected = thin_mesh_folder(str(tmp_path / "full"), 2, str(tmp_path / "again"))
  total = sum(c["train"] for c in expected.values())
  assert f"total: train {total} of {sum(c['train_found'] for c in expected.values())}" in (
      result.stderr)
