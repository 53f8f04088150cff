"""The embed stage end to end on tiny data: Φ trained first, an interrupted run resumed exactly,
the exported relative_pose and image-to-mesh functions, and the pose evaluation binary."""

import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

from configs import embed_tiny
from configs import regression_tiny
import data_pipelines
from equivariant_embeddings import pose
from equivariant_embeddings import sphere
from experiments import export
from experiments.evaluation import pose as pose_evaluation
from experiments.evaluation import templates
from experiments.training import loop as train_lib
from experiments.workdir import metrics
from experiments.workdir import templates_file
from tests.experiments.training import test_loop as test_train_lib

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def tiny_embed_config(data_dir):
  config = embed_tiny.get_config()
  config.data.data_dir = data_dir
  config.phi.data.data_dir = data_dir
  return config


@pytest.fixture(scope="module")
def trained_embed(tmp_path_factory, tiny_data_dir, jax_compilation_cache):
  """(config, workdir, results) of a finished tiny embed run that trained its own Φ."""
  del jax_compilation_cache
  config = tiny_embed_config(tiny_data_dir)
  workdir = str(tmp_path_factory.mktemp("embed"))
  return config, workdir, train_lib.train_and_evaluate(config, workdir)


def test_run_trains_phi_first_and_records_its_targets(trained_embed):
  config, workdir, results = trained_embed
  phi_dir = os.path.join(workdir, "spherical_cnn")
  assert train_lib.is_complete(config.phi, phi_dir)  # Φ trained in the sub-workdir, 4 steps
  with open(os.path.join(workdir, "targets.json")) as f:
    targets = json.load(f)
  assert targets["phi_workdir"] == os.path.abspath(phi_dir) and targets["phi_step"] == 4
  assert targets["layer"] == "block_1" and targets["feature_shape"] == [8, 8, 8]
  assert len(targets["mean"]) == len(targets["std"]) == 8 and min(targets["std"]) > 0
  # Φ's variables are constants of E's step, not part of E's checkpoints.
  _, variables = export.load_variables(workdir)
  assert set(variables["params"]) == {"image_cnn", "from_lift", "from_code", "lift_norm",
                                      "sphere_block_0", "to_maps"}  # the lifted E's, no Φ
  # Each evaluation reports the loss and the pose errors of E and of the targets themselves.
  for name in ("loss", "relative_error", "pose_median", "pose_acc@15", "target_pose_median"):
    assert np.isfinite(results[name]), name
  assert 0 <= results["pose_median"] <= 180


def test_interrupted_run_resumes_to_the_same_model(trained_embed, tmp_path, monkeypatch):
  config, workdir, expected = trained_embed
  resumed = str(tmp_path / "resumed")

  class KilledAtEsFourthBatch(data_pipelines.BatchIterator):
    """The second iterator made (E's, after Φ's) stops the run before its fourth batch."""
    made = 0

    def __init__(self, *args, **kwargs):
      super().__init__(*args, **kwargs)
      type(self).made += 1
      self.served, self.is_embed = 0, type(self).made == 2

    def __next__(self):
      if self.is_embed and self.served == 3:
        raise test_train_lib.Interrupted
      self.served += 1
      return super().__next__()

  with monkeypatch.context() as patch:
    patch.setattr(data_pipelines, "BatchIterator", KilledAtEsFourthBatch)
    with pytest.raises(test_train_lib.Interrupted):
      train_lib.train_and_evaluate(config, resumed)  # trains its Φ, then E until the 4th batch
  assert sorted(os.listdir(os.path.join(resumed, "checkpoints"))) == ["2"]
  assert train_lib.train_and_evaluate(config, resumed) == expected  # Φ reused, E resumed at 2
  assert (test_train_lib.comparable(metrics.read_metrics(resumed)) ==
          test_train_lib.comparable(metrics.read_metrics(workdir)))
  jax.tree.map(np.testing.assert_array_equal, export.load_variables(resumed)[1],
               export.load_variables(workdir)[1])


def test_exported_relative_pose(trained_embed):
  _, workdir, _ = trained_embed
  relative_pose = export.load_relative_pose(workdir)
  stage, variables = export.load_variables(workdir)
  views = np.random.default_rng(0).uniform(size=(3, 8, 8, 1)).astype(np.float32)
  rotation, confidence = relative_pose(views, views[::-1])
  assert rotation.shape == (3, 3, 3) and confidence.shape == (3,)
  # The same as correlating the network's embeddings directly.
  embeddings = stage.features(variables, views)
  want, _ = pose.align(embeddings, embeddings[::-1])
  np.testing.assert_allclose(rotation, want, atol=1e-4)
  assert np.all(np.abs(confidence) <= 1 + 1e-5)
  # A view against itself: the identity, with confidence 1.
  identity, own = relative_pose(views[0, ..., 0], views[0])
  assert identity.shape == (3, 3) and float(own) == pytest.approx(1.0, abs=1e-4)
  assert float(sphere.rotation_angle_deg(identity, np.eye(3))) < 0.1
  # Inside the caller's jit and vmap, and from uint8 views.
  np.testing.assert_allclose(jax.jit(relative_pose)(views, views[::-1])[0], rotation, atol=1e-4)
  np.testing.assert_allclose(jax.vmap(relative_pose)(views, views[::-1])[0], rotation, atol=1e-4)
  as_uint8 = np.round(views * 255).astype(np.uint8)
  np.testing.assert_allclose(relative_pose(as_uint8, as_uint8[::-1])[0],
                             relative_pose(as_uint8 / np.float32(255), as_uint8[::-1] / np.float32(
                                 255))[0], atol=1e-4)
  top, scores = export.load_relative_pose(workdir, top_k=2)(views, views[::-1])
  assert top.shape == (3, 2, 3, 3) and scores.shape == (3, 2)
  # The margin confidence: the same estimate (top_rotations' best), a score in [0, 2].
  by_margin, margins = export.load_relative_pose(workdir, confidence="margin")(views, views[::-1])
  _, _, want_margin = pose.align_with_margin(embeddings, embeddings[::-1])
  np.testing.assert_allclose(margins, want_margin, atol=1e-4)
  assert np.all((margins >= 0) & (margins <= 2 + 1e-5)) and by_margin.shape == (3, 3, 3)
  with pytest.raises(ValueError, match="confidence must be one of"):
    export.load_relative_pose(workdir, top_k=2, confidence="margin")
  with pytest.raises(ValueError, match="img_a must be one grayscale view"):
    relative_pose(np.zeros((2, 16, 16, 1), np.float32), views[:2])
  with pytest.raises(ValueError, match="img_b contain NaN"):
    relative_pose(views, np.full_like(views, np.nan))
  with pytest.raises(ValueError, match="not an embedding network"):
    export.load_relative_pose(os.path.join(workdir, "spherical_cnn"))


def test_image_to_mesh_alignment(trained_embed):
  _, workdir, _ = trained_embed
  align = export.load_image_to_mesh(workdir)
  views = np.random.default_rng(1).uniform(size=(2, 8, 8, 1)).astype(np.float32)
  spheres = np.random.default_rng(2).uniform(size=(2, 16, 16, 1)).astype(np.float32)
  rotation, confidence = align(views, spheres)
  assert rotation.shape == (2, 3, 3) and confidence.shape == (2,)
  single, _ = align(views[0], spheres[0])
  np.testing.assert_allclose(single, rotation[0], atol=1e-4)
  with pytest.raises(ValueError, match="spheres must be"):
    align(views, spheres[:, :8])


def test_evaluate_pose_writes_its_tables_and_figures(trained_embed, tmp_path, tiny_data_dir):
  _, workdir, _ = trained_embed
  output = str(tmp_path / "pose")
  regression = regression_tiny.get_config()
  regression.data.data_dir = tiny_data_dir
  regression_dir = str(tmp_path / "regression")
  train_lib.train_and_evaluate(regression, regression_dir)
  summary = pose_evaluation.evaluate(workdir, output_dir=output, num_workers=1,
                                     regression_workdir=regression_dir)
  rows = {(r["method"], r["task"], r["mode"], r["category"]) for r in summary["rows"]}
  for mode in ("2dof", "3dof"):
    for task in ("IB", "CB", "I2M"):
      for method in ("E", "E, grid argmax"):
        assert {(method, task, mode, c) for c in ("airplane", "mug", "all")} <= rows
    assert ("oracle Φ(map)", "IB", mode, "all") in rows
    assert ("regression baseline", "CB", mode, "all") in rows
  ib = [r for r in summary["rows"] if r["task"] == "IB" and r["category"] == "all"]
  assert all(r["count"] == 4 * 3 for r in ib)  # 4 test meshes, 3 rotations each
  # Oracle maps are rotated copies of each other up to ray-casting and band-limiting.
  assert summary["equivariance"]["3dof"]["targets Φ(map)"] < 0.5
  assert set(summary["equivariance"]) == {"2dof", "3dof"}
  for name in ("pose_test.md", "pose_test.csv", "pose_test.json"):
    assert os.path.getsize(os.path.join(output, name)) > 0
  for name in ("pose_cdf.png", "pose_examples.png"):
    with open(os.path.join(output, name), "rb") as f:
      assert f.read(8) == PNG_SIGNATURE
  # Seeds are fixed (and the rendered views cached): the same checkpoint gives the same table.
  again = pose_evaluation.evaluate(workdir, output_dir=output, num_workers=1,
                                   regression_workdir=regression_dir)
  assert again["rows"] == summary["rows"]


def test_one_mesh_per_class_gives_no_cross_instance_rows(trained_embed, tmp_path):
  # CB pairs two meshes of a class: with one mesh per class there are none, and the evaluation
  # reports the other tasks instead of failing (it raised "need at least one array to stack").
  _, workdir, _ = trained_embed
  summary = pose_evaluation.evaluate(workdir, output_dir=str(tmp_path / "one"), num_workers=1,
                                     max_meshes_per_category=1, modes=["3dof"])
  tasks = {r["task"] for r in summary["rows"]}
  assert "CB" not in tasks and {"IB", "I2M"} <= tasks


def test_evaluate_pose_binary(trained_embed, tmp_path, binary_env):
  _, workdir, _ = trained_embed
  env = binary_env()
  result = subprocess.run(
      [sys.executable, "-m", "experiments.evaluate_pose", f"--workdir={workdir}",
       f"--output_dir={tmp_path}", "--modes=3dof", "--num_workers=1", "--fold_symmetry"],
      cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-3000:]
  assert "## IB, 3DOF" in result.stdout and "symmetry-folded" in result.stdout
  assert os.path.exists(os.path.join(tmp_path, "pose_test.md"))


def test_eight_devices_give_the_same_losses_as_one(trained_embed, tmp_path, tiny_data_dir,
                                                   binary_env):
  _, workdir, _ = trained_embed
  env = binary_env(num_devices=8)
  result = subprocess.run(
      [sys.executable, "-m", "experiments.train", "--config=configs/embed_tiny.py",
       f"--workdir={tmp_path}", f"--config.data.data_dir={tiny_data_dir}",
       f"--config.phi.data.data_dir={tiny_data_dir}"],
      cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-4000:]
  assert "needs a trained spherical_cnn model" in result.stderr and "8 device(s)" in result.stderr
  losses = lambda d: [r["loss"] for r in metrics.read_metrics(d) if r["split"] == "train"]
  # As for the spherical CNN (test_train_binary): only the order of cross-device sums differs.
  np.testing.assert_allclose(losses(str(tmp_path)), losses(workdir), rtol=1e-5)


def test_templates_give_absolute_pose_and_its_table(trained_embed, tmp_path):
  _, workdir, _ = trained_embed
  with pytest.raises(ValueError, match="build_templates"):
    export.load_absolute_pose(workdir)
  path = templates.build(workdir, num_workers=1)
  data = templates_file.load_templates(workdir)
  assert list(data["class_names"]) == ["airplane", "mug"] and data["counts"].sum() == 8
  assert data["templates"].shape == (2, 8, 8, 8) and os.path.exists(path)
  absolute_pose = export.load_absolute_pose(workdir)
  views = np.random.default_rng(3).uniform(size=(2, 8, 8, 1)).astype(np.float32)
  rotation, confidence = absolute_pose(views, "mug")
  assert rotation.shape == (2, 3, 3) and confidence.shape == (2,)
  with pytest.raises(ValueError, match="unknown category 'chair'"):
    absolute_pose(views, "chair")
  summary = pose_evaluation.evaluate(workdir, output_dir=str(tmp_path), modes=("3dof",),
                                     num_workers=1)
  absolute = {(r["method"], r["category"]) for r in summary["rows"] if r["task"] == "absolute"}
  assert {("E + template", c) for c in ("airplane", "mug", "all", "mean of classes")} <= absolute
  os.remove(path)


def test_a_template_recovers_known_rotations_of_its_own_oracle_embedding():
  # The canonical mesh's own Φ-like map as the template, and its exactly rotated copies as the
  # "embeddings" of views: absolute pose must recover the rotations (exact correlation + Newton).
  rng = np.random.default_rng(4)
  mesh = data_pipelines.normalize_mesh(data_pipelines.synthetic_shape("chair", 3))
  template = np.asarray(sphere.band_limit(data_pipelines.spherical_map(
      mesh, 8, ("distance", "hull_distance"))), np.float32)
  truth = np.stack([data_pipelines.random_rotation(rng, "3dof") for _ in range(4)])
  embeddings = sphere.rotate_spherical(np.broadcast_to(template, (4,) + template.shape),
                                       truth.astype(np.float32))
  rotation, confidence = pose.align(template, embeddings)
  assert float(np.max(sphere.rotation_angle_deg(rotation, truth))) < 0.01  # float32 Newton
  np.testing.assert_allclose(confidence, 1.0, atol=1e-3)
