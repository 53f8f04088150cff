"""SO(3) correlation and best_rotation: grid values against direct inner products, pose recovery."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from equivariant_embeddings import sphere
from tests.sphere import reference


def _random_signals(seed, n, b, channels):
  rng = np.random.default_rng(seed)
  coeffs = np.stack([reference.real_coefficients(rng, b, channels) for _ in range(n)])
  return sphere.inverse_sht(coeffs.astype(np.complex64))


def test_grid_values_are_inner_products_of_rotated_functions():
  b = 4
  f, g = _random_signals(0, 2, b, 3)
  with jax.enable_x64(True):
    f, g = f.astype(jnp.float64), g.astype(jnp.float64)
    values, (alpha, beta, gamma) = sphere.so3_correlation(f, g, grid_bandwidth=5)
    assert values.shape == (10, 10, 10) and alpha.shape == (10,)
    w = sphere.quadrature_weights(b)[:, None, None]
    for a, j, c in [(0, 0, 0), (3, 7, 1), (9, 4, 6), (2, 9, 8)]:
      rot = sphere.euler_to_matrix(alpha[a], beta[j], gamma[c])
      direct = jnp.sum(sphere.rotate_spherical(f, rot) * g * w)
      assert float(values[a, j, c]) == pytest.approx(float(direct), abs=1e-10)


def test_correlation_peaks_at_the_rotation_on_grid():
  b = 6
  f = _random_signals(1, 1, b, 4)[0]
  rot = sphere.euler_to_matrix(*(2 * np.pi * np.array([5, 3, 17]) / 24))
  g = sphere.rotate_spherical(f, rot)
  values, _ = sphere.so3_correlation(f, g)  # default grid bandwidth 4b = 24
  assert values.shape == (48, 48, 48)
  best = np.unravel_index(int(jnp.argmax(values)), values.shape)
  assert best in [(10, 6, 34), (34, 42, 10)]  # (α, β, γ) or its twin (α+π, 2π−β, γ+π)


def test_best_rotation_recovers_random_rotations():
  # The target: b = 8, 32 channels, 100 random rotations: median ≤ 0.01°, max ≤ 0.05°.
  b, n = 8, 100
  f = _random_signals(2, n, b, 32)
  rots = sphere.random_rotations(jax.random.PRNGKey(2), n)
  g = sphere.rotate_spherical(f, rots)
  estimate, peak = sphere.best_rotation(f, g)
  assert estimate.shape == (n, 3, 3) and peak.shape == (n,)
  errors = np.asarray(sphere.rotation_angle_deg(estimate, rots))
  assert np.median(errors) <= 0.01 and errors.max() <= 0.05, (np.median(errors), errors.max())
  # The peak is ⟨R·f, g⟩ = ‖g‖² at the exact rotation.
  energy = jnp.sum(g**2 * sphere.quadrature_weights(b)[:, None, None], axis=(1, 2, 3))
  np.testing.assert_allclose(peak, energy, rtol=1e-4)


def test_best_rotation_at_gimbal_lock():
  # β near 0 and π, where α and γ are degenerate and the Euler Hessian is singular: the refinement
  # must move such starts away from the poles (it stalled at 0.15° at β = 0.01 before it did).
  b = 8
  f = _random_signals(5, 1, b, 16)[0]
  betas = (0.0, 1e-3, 0.01, 0.1, np.pi - 1e-2, np.pi - 1e-3, np.pi)
  rots = jnp.stack([sphere.euler_to_matrix(0.3, beta, 0.5) for beta in betas])
  estimate, _ = sphere.best_rotation(f, sphere.rotate_spherical(f, rots))
  assert float(sphere.rotation_angle_deg(estimate, rots).max()) <= 0.01


def test_best_rotation_under_jit_and_vmap():
  f = _random_signals(3, 4, 6, 8)
  rots = sphere.random_rotations(jax.random.PRNGKey(3), 4)
  g = sphere.rotate_spherical(f, rots)
  eager, _ = sphere.best_rotation(f, g)
  jitted, _ = jax.jit(sphere.best_rotation)(f, g)
  mapped, _ = jax.vmap(sphere.best_rotation)(f, g)
  np.testing.assert_allclose(jitted, eager, atol=1e-5)
  np.testing.assert_allclose(mapped, eager, atol=1e-5)


def test_correlation_gradient_matches_finite_differences():
  rng = np.random.default_rng(4)
  with jax.enable_x64(True):
    f = jnp.asarray(rng.normal(size=(8, 8, 2)))
    g = jnp.asarray(rng.normal(size=(8, 8, 2)))
    probe = jnp.asarray(rng.normal(size=(8, 8, 8)))
    loss = lambda f: jnp.sum(sphere.so3_correlation(f, g, grid_bandwidth=4)[0] * probe)
    direction = jnp.asarray(rng.normal(size=f.shape))
    eps = 1e-6
    numeric = (loss(f + eps * direction) - loss(f - eps * direction)) / (2 * eps)
    analytic = jnp.vdot(jax.grad(loss)(f), direction)
  np.testing.assert_allclose(analytic, numeric, rtol=1e-7)


def test_bad_inputs():
  f = np.zeros((16, 16, 2), np.float32)
  with pytest.raises(ValueError, match="share bandwidth and channels"):
    sphere.so3_correlation(f, np.zeros((8, 8, 2), np.float32))
  with pytest.raises(ValueError, match="grid_bandwidth must be >="):
    sphere.so3_correlation(f, f, grid_bandwidth=4)
  with pytest.raises(ValueError, match="must be real"):
    sphere.best_rotation(f.astype(np.complex64), f)
  bad = f.copy()
  bad[0, 0, 0] = np.nan
  with pytest.raises(ValueError, match="NaN or inf"):
    sphere.best_rotation(bad, f)


def test_top_rotations_finds_the_true_rotation_first_and_distinct_runners_up():
  f = _random_signals(5, 3, 6, 2)
  rotations = sphere.random_rotations(jax.random.PRNGKey(5), 3)
  g = sphere.rotate_spherical(f, rotations)
  best, peak = sphere.best_rotation(f, g)
  top, peaks = sphere.top_rotations(f, g, k=4)
  assert top.shape == (3, 4, 3, 3) and peaks.shape == (3, 4)
  np.testing.assert_allclose(top[:, 0], best, atol=1e-4)
  np.testing.assert_allclose(peaks[:, 0], peak, rtol=1e-5)
  assert (np.diff(np.asarray(peaks), axis=1) <= 1e-4).all()  # best first
  separation = sphere.rotation_angle_deg(top[:, :, None], top[:, None, :])
  off_diagonal = np.asarray(separation)[:, ~np.eye(4, dtype=bool)]
  assert off_diagonal.min() > 2 * 180 / 12  # default: two spacings of the 2b = 12 point grid


def test_top_rotations_pads_with_minus_inf_when_maxima_run_out():
  # No two rotations are more than 180° apart, so with that separation only the best is kept.
  b = 4
  theta = sphere.colatitudes(b)
  f = np.broadcast_to(np.cos(theta)[:, None, None], (2 * b, 2 * b, 1)).astype(np.float32)
  top, peaks = sphere.top_rotations(f, f, k=3, min_separation_deg=180)
  assert np.isfinite(peaks[0]) and np.isneginf(np.asarray(peaks[1:])).all()
  np.testing.assert_allclose(top[1], top[0])
  with pytest.raises(ValueError, match="k must be an integer >= 1"):
    sphere.top_rotations(f, f, k=0)


def test_top_rotations_refuses_more_hypotheses_than_the_grid_holds():
  # b = 4: the default grid has 2·8 = 16 points per angle, at most 16³/16 = 256 local maxima; 4096
  # hypotheses were computed (all but a few -inf) instead of an error.
  f = np.ones((8, 8, 1), np.float32)
  with pytest.raises(ValueError, match=r"k = 4096 hypotheses exceed the 256 distinct local maxima "
                                       r"that the search grid \(16 points per Euler angle"):
    sphere.top_rotations(f, f, k=4096)
