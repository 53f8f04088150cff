"""The synth stage end to end on tiny data: E (and its Φ) trained first, an interrupted run resumed
exactly, and G trained from Φ's targets instead of E's predictions."""

import os

import jax
import numpy as np
import pytest
from PIL import Image

from configs import synth_tiny
from experiments import export
from experiments.evaluation import synthesis
from experiments.training import loop as train_lib
from experiments.workdir import metrics
from tests.experiments.training import test_loop as test_train_lib
from tests.experiments.workdir import test_metrics as test_tensorboard


def tiny_config(data_dir):
  config = synth_tiny.get_config()
  config.data.data_dir = data_dir
  config.embed.data.data_dir = data_dir
  config.embed.phi.data.data_dir = data_dir
  return config


@pytest.fixture(scope="module")
def trained_synth(tmp_path_factory, tiny_data_dir, jax_compilation_cache):
  del jax_compilation_cache
  workdir = str(tmp_path_factory.mktemp("synth"))
  config = tiny_config(tiny_data_dir)
  return config, workdir, train_lib.train_and_evaluate(config, workdir)


def test_run_trains_e_and_phi_first(trained_synth):
  config, workdir, results = trained_synth
  assert train_lib.is_complete(config.embed, os.path.join(workdir, "embed"))
  assert train_lib.is_complete(config.embed.phi, os.path.join(workdir, "embed", "spherical_cnn"))
  assert 0 <= results["loss"] <= 1 and np.isfinite(results["psnr"])
  stage, variables = export.load_variables(workdir)
  maps = np.random.default_rng(0).normal(size=(2,) + stage.input_shape).astype(np.float32)
  views = export.feature_function(stage, variables, "image")(maps)
  assert views.shape == (2, 8, 8, 1)


def test_evaluations_write_image_sheets_for_tensorboard(trained_synth):
  _, workdir, _ = trained_synth
  # G's: views beside their decodings; E's: pose pairs. A row each of two 8 × 8 images, 2-pixel
  # frames: 22 pixels wide and 12 per row.
  for directory, tag in ((workdir, "eval/decoded"), (os.path.join(workdir, "embed"),
                                                     "eval/pose_pairs")):
    test_tensorboard.assert_scalars_match_metrics(directory)
    events = test_tensorboard.read_events(directory)
    assert events.Tags()["images"] == [tag]
    (step,) = [r["step"] for r in metrics.read_metrics(directory) if r["split"] == "eval"]
    height, width, _ = test_tensorboard.image_at(events, tag, step).shape
    assert width == 22 and height % 12 == 0 and 1 <= height // 12 <= 4


def test_interrupted_run_resumes_to_the_same_model(trained_synth, tmp_path, monkeypatch):
  config, workdir, expected = trained_synth
  config = tiny_config(config.data.data_dir)
  config.embed_workdir = os.path.join(workdir, "embed")  # E exists: only G trains here

  resumed = str(tmp_path / "resumed")
  with monkeypatch.context() as patch:
    test_train_lib.patch_batches(patch, test_train_lib.kill_at_fourth_batch)
    with pytest.raises(test_train_lib.Interrupted):
      train_lib.train_and_evaluate(config, resumed)
  assert train_lib.train_and_evaluate(config, resumed) == expected
  assert (test_train_lib.comparable(metrics.read_metrics(resumed)) ==
          test_train_lib.comparable(metrics.read_metrics(workdir)))
  jax.tree.map(np.testing.assert_array_equal, export.load_variables(resumed)[1],
               export.load_variables(workdir)[1])


def test_g_can_learn_from_phi_targets(trained_synth, tmp_path):
  config, workdir, expected = trained_synth
  config = tiny_config(config.data.data_dir)
  config.embed_workdir = os.path.join(workdir, "embed")
  config.source = "targets"
  results = train_lib.train_and_evaluate(config, str(tmp_path))
  assert np.isfinite(results["loss"]) and results["loss"] != expected["loss"]
  config.source = "pixels"
  with pytest.raises(ValueError, match="config.source must be one of"):
    train_lib.train_and_evaluate(config, str(tmp_path / "bad"))


def test_synthesize_writes_strips_gifs_and_errors(trained_synth, tmp_path):
  _, workdir, _ = trained_synth
  photo = tmp_path / "photo.png"
  Image.fromarray((np.random.default_rng(0).uniform(size=(37, 53, 3)) * 255).astype(
      np.uint8)).save(photo)  # another size, in colour
  summary = synthesis.synthesize(workdir, images=[str(photo)], num_meshes=1, error_meshes=2,
                                  steps=4, output_dir=str(tmp_path / "out"))
  assert len(summary["files"]) == 2 * 2 * 3  # 2 objects × 3 paths × (PNG, GIF)
  frames = []
  for path in summary["files"]:
    with Image.open(path) as image:
      assert image.format in ("PNG", "GIF")
      if image.format == "GIF":
        frames.append(image.n_frames)
  # Pillow merges identical consecutive frames (a 4-step untrained G may decode an image file to
  # the same view); the meshes' GIFs show the true renders too, which differ at every step.
  assert max(frames) == 4
  assert os.path.exists(tmp_path / "out" / "synthesis.json")
  errors = summary["errors"]
  assert errors["count"] == 2 * 4
  for key in ("rotated", "unrotated", "input_view", "reconstruction"):
    assert 0 <= errors[key]["l1"] <= 1 and np.isfinite(errors[key]["psnr"])
  with pytest.raises(ValueError, match="cannot read"):
    synthesis.read_image(str(tmp_path / "missing.png"), 8)


def test_rotation_paths_start_at_the_identity_and_turn_fully():
  rng = np.random.default_rng(0)
  for name in synthesis.PATHS:
    path = synthesis.rotation_path(name, 8, rng)
    assert path.shape == (8, 3, 3)
    np.testing.assert_allclose(path[0], np.eye(3), atol=1e-6)
    np.testing.assert_allclose(path @ np.swapaxes(path, 1, 2), np.broadcast_to(np.eye(3), path.shape),
                               atol=1e-5)
  turn = synthesis.rotation_path("turn", 8, rng)
  np.testing.assert_allclose(turn[4], np.diag([-1.0, 1.0, -1.0]), atol=1e-12)  # half way: 180°
  with pytest.raises(ValueError, match="path must be one of"):
    synthesis.rotation_path("spin", 8, rng)
