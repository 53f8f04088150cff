"""Exact rotation of band-limited functions, checked against analytic evaluation at Rᵀx."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from equivariant_embeddings import sphere
from tests.sphere import reference


def test_rotate_spherical_matches_function_evaluated_at_rotated_points():
  # f = Re Σ c_ℓm Y_ℓm (band-limited); (R·f)(x) = f(Rᵀx) evaluated with SciPy harmonics.
  rng = np.random.default_rng(0)
  b = 6
  coeffs = reference.real_coefficients(rng, b, 2)
  _, _, xyz = reference.grid_points(b)
  with jax.enable_x64(True):
    rots = np.asarray(sphere.random_rotations(jax.random.PRNGKey(0), 3, jnp.float64))
    x = reference.synthesize(coeffs, xyz)
    for rot in rots:
      expected = reference.synthesize(coeffs, xyz @ rot)  # rows: (Rᵀx)ᵀ = xᵀR
      np.testing.assert_allclose(sphere.rotate_spherical(x, rot), expected, atol=1e-12)


def test_rotate_and_rotate_back_float32():
  rng = np.random.default_rng(1)
  b = 16
  x = sphere.inverse_sht(reference.real_coefficients(rng, b, 8).astype(np.complex64))
  rots = sphere.random_rotations(jax.random.PRNGKey(1), 5)
  there = sphere.rotate_spherical(x, rots)  # broadcast: one function, five rotations
  assert there.shape == (5, 32, 32, 8)
  back = sphere.rotate_spherical(there, jnp.swapaxes(rots, -1, -2))
  rel = jnp.sqrt(jnp.sum((back - x) ** 2, axis=(1, 2, 3))) / jnp.linalg.norm(x)
  # Two exact transforms and two rotations in float32: errors of a few 1e-7 each.
  assert float(rel.max()) < 5e-6


def test_rotate_coefficients_composes():
  rng = np.random.default_rng(2)
  coeffs = reference.real_coefficients(rng, 8, 3).astype(np.complex64)
  r1, r2 = sphere.random_rotations(jax.random.PRNGKey(2), 2)
  one_step = sphere.rotate_coefficients(coeffs, r1 @ r2)
  two_steps = sphere.rotate_coefficients(sphere.rotate_coefficients(coeffs, r2), r1)
  np.testing.assert_allclose(one_step, two_steps, atol=1e-5)
  # Rotation preserves the energy per degree (D^ℓ is unitary).
  np.testing.assert_allclose(jnp.sum(jnp.abs(one_step) ** 2, axis=1),
                             np.sum(np.abs(coeffs) ** 2, axis=1), rtol=1e-5)


def test_rotation_about_z_is_a_longitude_shift():
  rng = np.random.default_rng(3)
  b = 8
  x = sphere.inverse_sht(reference.real_coefficients(rng, b, 2).astype(np.complex64))
  rot = sphere.euler_to_matrix(2 * np.pi * 3 / (2 * b), 0.0, 0.0)  # three longitude steps
  np.testing.assert_allclose(sphere.rotate_spherical(x, rot), jnp.roll(x, 3, axis=1), atol=2e-5)


def test_jit_matches_eager():
  rng = np.random.default_rng(4)
  x = jnp.asarray(rng.normal(size=(2, 16, 16, 3)), jnp.float32)
  rots = sphere.random_rotations(jax.random.PRNGKey(4), 2)
  np.testing.assert_allclose(jax.jit(sphere.rotate_spherical)(x, rots), sphere.rotate_spherical(x, rots),
                             atol=1e-5)


def test_rejects_non_rotation_and_nan():
  x = np.zeros((16, 16, 1), np.float32)
  with pytest.raises(ValueError, match="not a rotation"):
    sphere.rotate_spherical(x, 2 * np.eye(3))
  with pytest.raises(ValueError, match="not a rotation"):
    sphere.rotate_spherical(x, -np.eye(3))  # orthogonal, det −1: a reflection
  with pytest.raises(ValueError, match="NaN or inf"):
    sphere.rotate_spherical(x, np.full((3, 3), np.nan))
