"""Random rotations: valid, deterministic, and distributed as each mode promises."""

import numpy as np
import pytest

from data_pipelines import random_rotation
from data_pipelines.rotations import UP_AXES

SAMPLES = 4000
# Monte Carlo tolerance: moments of bounded variables (|x| <= 1) over 4000 samples have standard
# error <= 1/sqrt(4000) ~ 0.016; 0.05 is 3 standard errors.
MOMENT_TOLERANCE = 0.05


def _draw(mode, up_axis="z", seed=0):
  rng = np.random.default_rng(seed)
  return np.stack([random_rotation(rng, mode, up_axis) for _ in range(SAMPLES)])


@pytest.mark.parametrize("mode", ["3dof", "2dof"])
def test_rotations_are_proper_and_deterministic(mode):
  rotations = _draw(mode)
  np.testing.assert_allclose(rotations @ rotations.transpose(0, 2, 1),
                             np.broadcast_to(np.eye(3), rotations.shape), atol=1e-12)
  np.testing.assert_allclose(np.linalg.det(rotations), 1.0, atol=1e-12)
  np.testing.assert_array_equal(rotations, _draw(mode))
  assert not np.allclose(rotations, _draw(mode, seed=1))


def test_3dof_is_haar():
  rotations = _draw("3dof")
  # Haar measure: E[R] = 0, every column uniform on the sphere (E[x²] = 1/3), and the rotation
  # angle ω has density (1 − cos ω)/π, so E[cos ω] = E[(tr R − 1)/2] = −1/2.
  np.testing.assert_allclose(rotations.mean(0), 0, atol=MOMENT_TOLERANCE)
  np.testing.assert_allclose((rotations**2).mean(0), 1 / 3, atol=MOMENT_TOLERANCE)
  cos_angle = (np.trace(rotations, axis1=1, axis2=2) - 1) / 2
  assert cos_angle.mean() == pytest.approx(-0.5, abs=MOMENT_TOLERANCE)


@pytest.mark.parametrize("up_axis", ["z", "y"])
def test_2dof_uniform_view_without_roll(up_axis):
  rotations = _draw("2dof", up_axis)
  up = np.asarray(UP_AXES[up_axis])
  view = rotations[:, 2, :]  # Rᵀ e_z: the object-frame direction the camera looks from
  np.testing.assert_allclose(view.mean(0), 0, atol=MOMENT_TOLERANCE)
  np.testing.assert_allclose((view**2).mean(0), 1 / 3, atol=MOMENT_TOLERANCE)
  up_in_camera = rotations @ up
  np.testing.assert_allclose(up_in_camera[:, 0], 0, atol=1e-12)  # no roll: up stays vertical
  assert (up_in_camera[:, 1] > 0).all()  # and points up in the image
  # The object's up axis seen at elevation e gives an image-plane up component cos(e).
  np.testing.assert_allclose(up_in_camera[:, 1], np.sqrt(1 - (view @ up) ** 2), atol=1e-12)


def test_bad_arguments():
  rng = np.random.default_rng(0)
  with pytest.raises(ValueError, match="rotation mode"):
    random_rotation(rng, "4dof")
  with pytest.raises(ValueError, match="up_axis"):
    random_rotation(rng, "2dof", "w")
