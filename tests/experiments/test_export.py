"""load_feature_extractor: a trained model's block features, rebuilt from the workdir alone."""

import json
import os
import shutil
import subprocess
import sys

import jax
import numpy as np
import orbax.checkpoint as ocp
import pytest

from equivariant_embeddings import sphere
from experiments import export
from experiments.stages import registry

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_features_match_a_direct_apply_of_the_checkpointed_model(trained):
  config, workdir = trained
  # The checkpoint read by orbax alone (no target, no trainer code) and applied directly.
  raw = ocp.StandardCheckpointer().restore(os.path.join(workdir, "checkpoints", "4", "state"))
  variables = {"params": raw["params"], **raw["model_state"]}
  stage = registry.make_stage(config)
  # The trained model sees band-limited maps (see stages/spherical_cnn.py), so it is applied to the
  # SHT round trip of x.
  apply = jax.jit(lambda variables, x: stage.model.apply(
      variables, sphere.inverse_sht(sphere.forward_sht(x)), train=False)[1])
  x = np.random.default_rng(0).normal(size=(3, 16, 16, 1)).astype(np.float32)
  want = apply(variables, x)

  got = export.load_feature_extractor(workdir, "block_1")(x)
  assert got.shape == (3, 8, 8, 8)  # b = 8 pooled by 2, block_features[1] = 8 channels
  # Same computation, compiled separately: float32 rounding only.
  np.testing.assert_allclose(got, want["block_1"], rtol=1e-5, atol=1e-6)

  # Not a vacuous match: an untrained model gives clearly different features.
  untrained = apply(jax.jit(stage.init_variables)(jax.random.PRNGKey(config.seed)), x)
  assert np.abs(np.asarray(untrained["block_1"]) - want["block_1"]).max() > 1e-3


def test_extractor_works_inside_the_callers_jit(trained):
  _, workdir = trained
  extract = export.load_feature_extractor(workdir, "block_1")
  x = np.random.default_rng(1).normal(size=(2, 16, 16, 1)).astype(np.float32)
  np.testing.assert_allclose(jax.jit(extract)(x), extract(x), rtol=1e-5, atol=1e-6)


def test_bad_requests_raise(trained, tmp_path):
  _, workdir = trained
  with pytest.raises(ValueError, match=r"unknown layer 'block_9'; the model has \['block_0', "
                                       r"'block_1'\]"):
    export.load_feature_extractor(workdir, "block_9")
  extract = export.load_feature_extractor(workdir, "block_0")
  assert extract(np.zeros((2, 16, 16, 1), np.float32)).shape == (2, 16, 16, 4)
  with pytest.raises(ValueError, match=r"expected inputs of shape \(batch, 16, 16, 1\)"):
    extract(np.zeros((2, 32, 32, 1), np.float32))
  with pytest.raises(ValueError, match="NaN or inf"):
    extract(np.full((1, 16, 16, 1), np.nan, np.float32))
  with pytest.raises(ValueError, match="not a training workdir"):
    export.load_feature_extractor(str(tmp_path), "block_0")
  with pytest.raises(ValueError, match="no checkpoint"):
    export.load_feature_extractor(workdir, "block_0", step=3)


def test_workdir_saved_before_the_regularisation_fields_still_exports(trained, tmp_path):
  _, workdir = trained
  older = tmp_path / "older"
  shutil.copytree(workdir, older)
  with open(older / "config.json") as f:
    saved = json.load(f)
  del saved["mixup_alpha"], saved["label_smoothing"]
  with open(older / "config.json", "w") as f:
    json.dump(saved, f)
  x = np.random.default_rng(2).normal(size=(2, 16, 16, 1)).astype(np.float32)
  np.testing.assert_array_equal(export.load_feature_extractor(str(older), "block_1")(x),
                                export.load_feature_extractor(workdir, "block_1")(x))


def test_importing_export_loads_no_dataset_trainer_or_plotting_library():
  # The inference path (export → a stage's model side → the library) stays light.
  heavy = ("tensorflow_datasets", "tensorboardX", "matplotlib", "data_pipelines",
           "experiments.training.loop")
  code = f"import experiments.export, sys; print([m for m in {heavy!r} if m in sys.modules])"
  result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  assert result.stdout.strip() == "[]"
