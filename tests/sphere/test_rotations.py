"""Rotation matrices, ZYZ Euler angles, uniform sampling and geodesic distance."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from equivariant_embeddings import sphere


def test_euler_to_matrix_matches_scipy():
  rng = np.random.default_rng(0)
  angles = rng.uniform(-np.pi, np.pi, size=(10, 3))
  with jax.enable_x64(True):
    ours = np.asarray(sphere.euler_to_matrix(*jnp.asarray(angles).T))
  # SciPy's intrinsic "ZYZ" is Rz(α) Ry(β) Rz(γ) acting on column vectors.
  np.testing.assert_allclose(ours, Rotation.from_euler("ZYZ", angles).as_matrix(), atol=1e-14)


def test_matrix_to_euler_round_trip_including_gimbal_lock():
  with jax.enable_x64(True):
    rots = sphere.random_rotations(jax.random.PRNGKey(0), 50, jnp.float64)
    poles = jnp.stack([sphere.euler_to_matrix(0.4, 0.0, 0.9), sphere.euler_to_matrix(-2.0, np.pi, 0.5),
                       sphere.euler_to_matrix(1.0, 1e-9, -0.3)])
    rots = jnp.concatenate([rots, poles])
    alpha, beta, gamma = sphere.matrix_to_euler(rots)
    assert bool(((beta >= 0) & (beta <= np.pi)).all())
    np.testing.assert_allclose(sphere.euler_to_matrix(alpha, beta, gamma), rots, atol=1e-12)


def test_random_rotations_are_uniform_rotations():
  rots = np.asarray(sphere.random_rotations(jax.random.PRNGKey(1), 20000), np.float64)
  assert rots.shape == (20000, 3, 3)
  np.testing.assert_allclose(np.swapaxes(rots, -1, -2) @ rots, np.broadcast_to(np.eye(3), rots.shape),
                             atol=1e-5)
  np.testing.assert_allclose(np.linalg.det(rots), 1.0, atol=1e-5)
  # Haar measure: E[R] = 0, and the angle θ has density (1 − cos θ)/π, so E[cos θ] = −1/2.
  # Standard errors with n = 20000 are about 0.005; 0.02 is four of them.
  np.testing.assert_allclose(rots.mean(axis=0), np.zeros((3, 3)), atol=0.02)
  cos_angle = (np.trace(rots, axis1=1, axis2=2) - 1) / 2
  assert abs(cos_angle.mean() + 0.5) < 0.02
  # Deterministic from the key.
  np.testing.assert_array_equal(sphere.random_rotations(jax.random.PRNGKey(1), 3),
                                sphere.random_rotations(jax.random.PRNGKey(1), 3))


def test_rotation_angle_small_and_large():
  # The chord formula is accurate in float32 far below the arccos floor (≈ 0.02°).
  for degrees in (1e-4, 1e-2, 1.0, 90.0, 179.0):
    r = sphere.euler_to_matrix(0.0, np.radians(degrees), 0.0)
    got = float(sphere.rotation_angle_deg(jnp.eye(3), r))
    assert got == pytest.approx(degrees, rel=1e-3)
  rots = sphere.random_rotations(jax.random.PRNGKey(2), 8)
  assert sphere.rotation_angle_deg(rots, rots[::-1]).shape == (8,)
  np.testing.assert_allclose(sphere.rotation_angle_deg(rots, rots), 0.0, atol=1e-3)


def test_rotation_angle_bad_shape():
  with pytest.raises(ValueError, match=r"\(\.\.\., 3, 3\)"):
    sphere.rotation_angle_deg(np.eye(3), np.eye(2))
