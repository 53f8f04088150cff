"""Stored targets (experiments.stages.stored_targets): Φ commutes with the symmetries that move them,
the files hold Φ's targets, and an embed run trained from them computes the loss it would compute
with Φ in the step."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from configs import embed_tiny
from configs import spherical_cnn
from equivariant_embeddings import view_symmetries
from experiments.stages import embed
from experiments.stages import stored_targets
from experiments.stages import trained
from experiments.stages.spherical_cnn_model import SphericalCNNModel
from experiments.training import loop

# float16 keeps 11 significant bits: normalised targets of size ~1 round by at most 2^-11 ≈ 5e-4.
FLOAT16_TOLERANCE = dict(rtol=1e-3, atol=1e-3)


def test_phi_commutes_with_the_target_grids_symmetries():
  """The laptop Φ (random weights) at its block_3 (16 × 16 from 64 × 64 maps): a roll of the input
  by 4j longitudes is a roll of the output by j, and a mirror with quarter turns moves both alike;
  so a stored target moves exactly as its map does. float32 rounding: 1e-5 of the largest value."""
  phi = SphericalCNNModel(spherical_cnn.get_config())
  variables = phi.init_variables(jax.random.PRNGKey(0))
  maps = jax.random.normal(jax.random.PRNGKey(1), (2,) + phi.input_shape)
  features = jax.jit(lambda x: phi.features(variables, x, "block_3"))
  targets = features(maps)
  ratio = maps.shape[2] // targets.shape[2]
  assert ratio == 4
  scale = float(jnp.abs(targets).max())
  for j in (1, 5):
    np.testing.assert_allclose(features(jnp.roll(maps, ratio * j, axis=2)),
                               jnp.roll(targets, j, axis=2), atol=1e-5 * scale)
  # A one-sample roll of the input is no roll of the output (100× above the rounding): the turns
  # must be the target grid's.
  one = features(jnp.roll(maps, 1, axis=2))
  assert min(float(jnp.abs(one - jnp.roll(targets, j, axis=2)).max())
             for j in range(targets.shape[2])) > 1e-3 * scale
  views = jnp.zeros((2, 8, 8, 1))
  turns, mirror = jnp.array([1, 2]), jnp.array([True, False])
  _, moved_maps = view_symmetries.transform_views_and_maps(views, maps, turns, mirror)
  _, moved_targets = view_symmetries.transform_views_and_maps(views, targets, turns, mirror)
  np.testing.assert_allclose(features(moved_maps), moved_targets, atol=1e-5 * scale)


def _examples(count):
  rng = np.random.default_rng(0)
  return [{"sphere": rng.normal(size=(4, 4, 1)).astype(np.float32), "label": i % 2}
          for i in range(count)]


def test_stored_targets_are_computed_once_and_read_back(tmp_path):
  calls = []

  def targets_fn(spheres):
    calls.append(len(spheres))
    return np.repeat(spheres[:, ::2, ::2] * 3.0, 2, axis=-1)  # (n, 2, 2, 2)

  source = _examples(10)
  path = str(tmp_path / "stored" / "train.npy")
  stored = stored_targets.stored_targets(targets_fn, source, path, (2, 2, 2), batch_size=4)
  assert calls == [4, 4, 2] and stored.dtype == np.float16 and stored.shape == (10, 2, 2, 2)
  spheres = np.stack([e["sphere"] for e in source])
  expected = np.repeat(spheres[:, ::2, ::2] * 3.0, 2, axis=-1)
  np.testing.assert_allclose(stored, expected, **FLOAT16_TOLERANCE)
  assert os.listdir(tmp_path / "stored") == ["train.npy"]  # no partial file left
  # Read back, not computed again; a file of another shape is computed again.
  stored_targets.stored_targets(targets_fn, source, path, (2, 2, 2))
  assert len(calls) == 3
  again = stored_targets.stored_targets(targets_fn, source[:6], path, (2, 2, 2), batch_size=6)
  assert calls[3:] == [6] and again.shape == (6, 2, 2, 2)

  wrapped = stored_targets.StoredTargetsSource(source[:6], again)
  assert len(wrapped) == 6
  batch = wrapped.__getitems__(np.array([5, 0]))
  assert [e["label"] for e in batch] == [1, 0]
  np.testing.assert_array_equal(batch[0]["target"], np.float32(again[5]))
  assert wrapped[2]["target"].dtype == np.float32
  with pytest.raises(ValueError, match="4 stored targets for a split of 6 examples"):
    stored_targets.StoredTargetsSource(source[:6], again[:4])


def test_embed_run_from_stored_targets(tmp_path, tiny_data_dir, jax_compilation_cache):
  """The tiny embed run with stored targets and in-plane turns trains; its files hold Φ's
  normalised targets of every example; its loss without augmentation is the in-step loss."""
  del jax_compilation_cache
  config = embed_tiny.get_config()
  config.data.data_dir = config.phi.data.data_dir = tiny_data_dir
  config.stored_targets = True
  config.view_augmentation = "in_plane_turns"
  workdir = str(tmp_path / "embed")
  results = loop.train_and_evaluate(config, workdir)
  assert np.isfinite(results["loss"]) and 0 <= results["pose_median"] <= 180

  stage = embed.EmbedStage(config, workdir)
  sources = stage.open_datasets()  # reads the stored files, Φ loaded
  assert stage.batch_keys == ("image", "target")
  files = sorted(os.listdir(os.path.join(workdir, stored_targets.STORED_TARGETS_DIR)))
  assert files == ["test.npy", "train.npy"]
  examples = sources["train"].__getitems__(np.arange(len(sources["train"])))
  spheres = np.stack([e["sphere"] for e in examples])
  np.testing.assert_allclose(np.stack([e["target"] for e in examples]),
                             stage.targets(spheres), **FLOAT16_TOLERANCE)

  in_step_config = config.copy_and_resolve_references()
  in_step_config.stored_targets = False
  in_step = embed.EmbedStage(in_step_config, workdir)  # Φ in the step, the same targets.json
  in_step.load_inputs(trained.load_trained)
  _, variables, _ = trained.load_trained(workdir, kind="embed")
  batch = {key: np.stack([e[key] for e in examples[:8]]) for key in ("image", "sphere", "target")}
  rng = jax.random.PRNGKey(0)
  stored_loss, _, _ = stage.per_example_losses(variables, batch, rng, train=False)
  in_step_loss, _, _ = in_step.per_example_losses(variables, batch, rng, train=False)
  np.testing.assert_allclose(stored_loss, in_step_loss, rtol=1e-2, atol=1e-4)
