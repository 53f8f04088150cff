"""The pose methods' registry (experiments.evaluation.pose_methods): one signature, None where a
method has no input, and the ℓ ≤ 1 method on exactly rotated maps."""

import jax
import numpy as np
import pytest

from equivariant_embeddings import sphere
from experiments.evaluation import pose
from experiments.evaluation import pose_methods


def _views(embeddings, poses=None, templates=None):
  return pose_methods.Views(embeddings=embeddings, targets=embeddings,
                            labels=np.zeros(len(embeddings), np.int64), poses=poses,
                            templates=templates, mode="3dof", up_axis="z",
                            rng=np.random.default_rng(0))


def test_low_degrees_keeps_only_degrees_up_to_one():
  maps = np.asarray(jax.random.normal(jax.random.PRNGKey(0), (2, 12, 12, 3)))
  low = sphere.forward_sht(pose_methods.low_degrees(maps))
  full = sphere.forward_sht(maps)
  np.testing.assert_allclose(low[:, :2], full[:, :2], atol=1e-5)
  assert float(np.abs(low[:, 2:]).max()) < 1e-5


def test_the_low_degree_method_recovers_an_exact_rotation():
  f = sphere.band_limit(jax.random.normal(jax.random.PRNGKey(1), (1, 16, 16, 3)))
  rotation = sphere.random_rotations(jax.random.PRNGKey(2), 1)
  g = sphere.rotate_spherical(f, rotation)
  views = _views(np.concatenate([np.asarray(f), np.asarray(g)]))
  estimates, confidences = pose_methods.METHODS["E, ℓ ≤ 1"](views, "IB", np.array([0]),
                                                             np.array([1]))
  assert estimates.shape == (1, 3, 3) and set(confidences) == {"peak", "margin"}
  assert float(sphere.rotation_angle_deg(estimates, rotation)[0]) < 1.0


def test_methods_without_their_input_give_none():
  views = _views(np.zeros((2, 8, 8, 1), np.float32))
  index = np.array([0])
  assert pose_methods.METHODS["oracle Φ(map)"](views, "I2M", index, index) is None
  assert pose_methods.METHODS["regression baseline"](views, "IB", index, index) is None
  assert pose_methods.METHODS["E + template"](views, pose_methods.ABSOLUTE, index, index) is None
  assert pose_methods.METHODS["E"](views, pose_methods.ABSOLUTE, index, index) is None
  guesses, _ = pose_methods.METHODS["random rotation (reference)"](views, "CB", index, index)
  assert guesses.shape == (1, 3, 3)


def test_unknown_methods_and_options_are_named():
  with pytest.raises(ValueError, match=r"methods must be among .*got \('mine',\)"):
    pose.evaluate("/nonexistent/workdir", methods=("mine",))
  with pytest.raises(ValueError, match="unknown pose evaluation option 'pairs'"):
    pose.evaluate("/nonexistent/workdir", pairs=3)


@pytest.mark.parametrize("up_axis", ["z", "y"])
def test_folding_forgives_exactly_the_half_turn_about_the_up_axis(up_axis):
  """An estimate off by the object's half turn S about its up axis errs by 180°, and by 0° folded;
  relative tasks against R_b S R_aᵀ, absolute pose against R_a S (the template is canonical). Any
  other error is kept: folding never lowers an estimate off by a turn about another axis."""
  rotations = np.asarray(sphere.random_rotations(jax.random.PRNGKey(3), 6), np.float64)
  half_turn = pose_methods.UP_AXES[up_axis]
  a, b = np.arange(3), np.arange(3, 6)
  other = np.diag([1.0, -1.0, -1.0]) if up_axis == "z" else np.diag([-1.0, -1.0, 1.0])
  cases = {"IB": (rotations[b] @ half_turn @ np.swapaxes(rotations[a], -1, -2),
                  rotations[b] @ other @ np.swapaxes(rotations[a], -1, -2)),
           pose_methods.ABSOLUTE: (rotations[a] @ half_turn, rotations[a] @ other)}
  for task, (flipped, wrong) in cases.items():
    unfolded = pose_methods.task_errors(task, flipped, rotations, a, b)
    folded = pose_methods.task_errors(task, flipped, rotations, a, b, up_axis)
    # float32 angles at 0° and 180°: an error ε ~ 1e-6 in the cosine moves arccos by √(2ε) ≈ 0.08°.
    np.testing.assert_allclose(unfolded, 180.0, atol=0.2)
    np.testing.assert_allclose(folded, 0.0, atol=0.2)
    np.testing.assert_allclose(pose_methods.task_errors(task, wrong, rotations, a, b, up_axis),
                               180.0, atol=0.2)
