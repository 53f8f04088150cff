"""The pose-regression baseline: its rotation maps, the geodesic loss, a tiny run resumed, warm
start, and relative pose from two regressed poses."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy.spatial.transform import Rotation

from configs import regression_tiny
from equivariant_embeddings import losses
from equivariant_embeddings import sphere
from experiments import export
from experiments.stages import registry
from experiments.training import loop as train_lib
from experiments.training import state as train_state
from experiments.workdir import metrics
from tests.experiments.training import test_loop as test_train_lib


def test_axis_angle_round_trip_against_scipy():
  rotations = Rotation.random(200, random_state=0)
  near_half_turn = Rotation.from_rotvec([[0, 0, np.pi - 1e-5], [2.2214, 2.2214, 0.0]])
  for r in (rotations, near_half_turn):
    matrices = jnp.asarray(r.as_matrix(), jnp.float32)
    np.testing.assert_allclose(sphere.matrix_to_axis_angle(matrices), r.as_rotvec(), atol=2e-5)
    np.testing.assert_allclose(sphere.axis_angle_to_matrix(jnp.asarray(r.as_rotvec(), jnp.float32)),
                               r.as_matrix(), atol=2e-6)


def test_geodesic_loss_by_hand_and_its_gradient_at_the_identity():
  r = Rotation.random(50, random_state=1).as_matrix()
  s = Rotation.random(50, random_state=2).as_matrix()
  by_hand = np.arccos(np.clip((np.trace(np.swapaxes(r, 1, 2) @ s, axis1=1, axis2=2) - 1) / 2, -1,
                              1))
  np.testing.assert_allclose(losses.geodesic_loss(jnp.asarray(s, jnp.float32),
                                                  jnp.asarray(r, jnp.float32)), by_hand, atol=1e-5)
  # arccos is not differentiable where the rotations agree; the loss must still give finite
  # gradients there, and the angle's slope (1 per radian) just beside it.
  loss = lambda v: losses.geodesic_loss(sphere.axis_angle_to_matrix(v), jnp.eye(3))
  assert np.isfinite(jax.grad(loss)(jnp.zeros(3))).all()
  np.testing.assert_allclose(jax.grad(loss)(jnp.array([1e-3, 0.0, 0.0])), [1, 0, 0], atol=1e-3)


def tiny_config(data_dir):
  config = regression_tiny.get_config()
  config.data.data_dir = data_dir
  return config


@pytest.fixture(scope="module")
def trained_regression(tmp_path_factory, tiny_data_dir, jax_compilation_cache):
  del jax_compilation_cache
  workdir = str(tmp_path_factory.mktemp("regression"))
  config = tiny_config(tiny_data_dir)
  return config, workdir, train_lib.train_and_evaluate(config, workdir)


def test_run_switches_from_rmse_to_geodesic_and_resumes(trained_regression, tmp_path,
                                                        monkeypatch):
  config, workdir, expected = trained_regression
  records = [r for r in metrics.read_metrics(workdir) if r["split"] == "train"]
  # rmse_steps = 2: steps 1-2 (done at step 0, 1) minimise the RMSE, steps 3-4 the angle, whose
  # value in radians is then the loss itself.
  for record in records[2:]:
    assert record["loss"] == pytest.approx(np.radians(record["angle_error_deg"]), rel=1e-5)
  assert records[0]["loss"] != pytest.approx(np.radians(records[0]["angle_error_deg"]), rel=1e-3)
  assert 0 <= expected["angle_error_deg"] <= 180

  resumed = str(tmp_path / "resumed")
  with monkeypatch.context() as patch:
    test_train_lib.patch_batches(patch, test_train_lib.kill_at_fourth_batch)
    with pytest.raises(test_train_lib.Interrupted):
      train_lib.train_and_evaluate(config, resumed)
  assert train_lib.train_and_evaluate(config, resumed) == expected
  jax.tree.map(np.testing.assert_array_equal, export.load_variables(resumed)[1],
               export.load_variables(workdir)[1])


def test_warm_start_begins_from_the_named_workdir(trained_regression, tmp_path):
  config, workdir, _ = trained_regression
  warm = tiny_config(config.data.data_dir)
  warm.init_from = workdir
  stage = registry.make_stage(warm)
  jax.tree.map(np.testing.assert_array_equal, stage.warm_start_variables(),
               export.load_variables(workdir)[1])
  state = train_state.init_train_state(stage, optax.adam(1e-3), seed=5)
  jax.tree.map(np.testing.assert_array_equal, {"params": state.params, **state.model_state},
               export.load_variables(workdir)[1])
  bad = tiny_config(config.data.data_dir)
  bad.init_from = workdir
  bad.model.head_features = (4,)
  with pytest.raises(ValueError, match="init_from"):
    train_lib.train_and_evaluate(bad, str(tmp_path / "bad"))


def test_relative_pose_from_two_regressed_poses(trained_regression):
  _, workdir, _ = trained_regression
  relative_pose = export.load_relative_pose(workdir)
  stage, variables = export.load_variables(workdir)
  views = np.random.default_rng(0).uniform(size=(3, 8, 8, 1)).astype(np.float32)
  rotation, confidence = relative_pose(views, views[::-1])
  poses = np.asarray(stage.features(variables, views))
  np.testing.assert_allclose(rotation, poses[::-1] @ np.swapaxes(poses, 1, 2), atol=1e-5)
  assert rotation.shape == (3, 3, 3) and confidence.shape == (3,)
  assert np.isnan(np.asarray(confidence)).all()  # regression has no confidence
