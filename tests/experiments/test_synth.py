"""The synth stage end to end on tiny data: E (and its Φ) trained first, an interrupted run resumed
exactly, and G trained from Φ's targets instead of E's predictions."""

import os

import jax
import numpy as np
import pytest

from configs import synth_tiny
from experiments import export
from experiments import metrics
from experiments import train_lib
from tests.experiments import test_train_lib


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


def test_interrupted_run_resumes_to_the_same_model(trained_synth, tmp_path, monkeypatch):
  config, workdir, expected = trained_synth
  config = tiny_config(config.data.data_dir)
  config.embed_workdir = os.path.join(workdir, "embed")  # E exists: only G trains here

  def kill_at_fourth_batch(index, batch):
    if index == 3:
      raise test_train_lib.Interrupted
    return batch

  resumed = str(tmp_path / "resumed")
  with monkeypatch.context() as patch:
    test_train_lib.patch_batches(patch, kill_at_fourth_batch)
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
