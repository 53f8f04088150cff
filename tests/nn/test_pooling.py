"""Spectral and area-weighted pooling, global average: equivariance (exact or measured) and errors."""

import jax
import numpy as np
import pytest

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import pooling
from tests.nn import signals


def _rotated_pair(b, channels, seed, decay):
  rng = np.random.default_rng(seed)
  x = signals.band_limited(rng, b, channels, batch=(4,), decay=decay)
  rotations = sphere.random_rotations(jax.random.PRNGKey(seed), 4)
  return x, sphere.rotate_spherical(x, rotations), rotations


def test_spectral_pool_is_exactly_equivariant():
  x, rotated, rotations = _rotated_pair(16, 3, 0, decay=0.0)
  pooled = pooling.spectral_pool(x, 8)
  assert pooled.shape == (4, 16, 16, 3)
  error = signals.relative_error(pooling.spectral_pool(rotated, 8),
                                 sphere.rotate_spherical(pooled, rotations))
  # Linear, diagonal in ℓ: float32 round-off of the transforms only.
  assert error < 5e-6, error


def test_spectral_pool_keeps_low_degrees_exactly():
  rng = np.random.default_rng(1)
  low = signals.band_limited(rng, 16, 2, degrees=8)  # already of bandwidth 8
  np.testing.assert_allclose(pooling.spectral_pool(low, 8), pooling.spectral_pool(
      pooling.spectral_pool(low, 12), 8), atol=1e-5)
  np.testing.assert_allclose(sphere.forward_sht(pooling.spectral_pool(low, 8)),
                             sphere.forward_sht(low)[:8, 8:23], atol=1e-5)


def test_area_pool_preserves_constants_and_area_weighted_mean():
  rng = np.random.default_rng(2)
  x = signals.band_limited(rng, 8, 2, batch=(3,))
  np.testing.assert_allclose(pooling.area_pool(np.full((16, 16, 1), 2.5, np.float32)), 2.5,
                             rtol=1e-6)
  # sin θ_2j + sin θ_2j+1 ∝ sin θ'_j, so the area-weighted mean is unchanged (an unweighted pair
  # average would fail this by ~1e-2 relative on this input).
  np.testing.assert_allclose(pooling.global_average(pooling.area_pool(x)),
                             pooling.global_average(x), atol=1e-6)


def test_area_pool_rows_are_weighted_by_sin_colatitude():
  x = np.zeros((8, 8, 1), np.float32)
  x[0] = 1.0  # the polar row: a smaller share of the sphere than row 1
  theta = sphere.colatitudes(4)
  expected = np.sin(theta[0]) / (np.sin(theta[0]) + np.sin(theta[1]))
  np.testing.assert_allclose(pooling.area_pool(x)[0, :, 0], expected, rtol=1e-6)


def test_area_pool_is_approximately_equivariant():
  # Local averaging on a grid is not a rotation-invariant filter. Measured on smooth maps
  # (coefficients ∝ (1+ℓ)^−2, like the ray-cast maps), b = 16 → 8, both sides projected to bandwidth 8:
  # 0.027 relative here (0.018–0.030 over seeds 0–3). A plain uncentred 2×2 mean measures 0.115 on the
  # same data, and the unrotated output differs by 0.76, so the bound 0.05 separates them.
  x, rotated, rotations = _rotated_pair(16, 2, 3, decay=2.0)
  lowpass = lambda y: pooling.spectral_pool(y, 8)
  pooled = pooling.area_pool(x)
  error = signals.relative_error(lowpass(pooling.area_pool(rotated)),
                                 sphere.rotate_spherical(lowpass(pooled), rotations))
  assert error < 0.05, error
  assert signals.relative_error(lowpass(pooling.area_pool(rotated)), lowpass(pooled)) > 0.3


def test_global_average_is_nearly_invariant():
  x, rotated, _ = _rotated_pair(16, 3, 4, decay=1.0)
  average = pooling.global_average(x)
  assert average.shape == (4, 3)
  # sin θ weights are a midpoint rule, not the exact quadrature: measured 5e-4–8e-4 of the mean
  # absolute value on such maps.
  scale = float(np.abs(x).mean())
  np.testing.assert_allclose(pooling.global_average(rotated), average, atol=2e-3 * scale)
  # Exact on the ℓ = 0 part: a constant averages to itself.
  np.testing.assert_allclose(pooling.global_average(np.full((2, 8, 8, 1), 3.0, np.float32)), 3.0,
                             rtol=1e-6)


def test_degree_norms_are_invariant_and_match_the_coefficients():
  x, rotated, _ = _rotated_pair(8, 3, 5, decay=0.0)  # band-limited: rotation is exact
  norms = pooling.degree_norms(x)
  assert norms.shape == (4, 8, 3)
  # float32 SHTs of O(1) maps: errors of a few 1e-6 relative to the largest norm.
  np.testing.assert_allclose(pooling.degree_norms(rotated), norms, atol=2e-5 * float(norms.max()))
  # A single degree: the norm of a real Y_ℓm combination is its coefficient vector's norm.
  coeffs = np.zeros((8, 15, 1), np.complex64)
  coeffs[3, 7 + 2, 0], coeffs[3, 7 - 2, 0] = 1 + 1j, 1 - 1j  # f_{3,−2} = (−1)² conj f_{3,2}
  expected = np.zeros((8, 1))
  expected[3, 0] = 2.0  # |1+i|² + |1−i|² = 4
  np.testing.assert_allclose(pooling.degree_norms(sphere.inverse_sht(coeffs)), expected, atol=1e-5)


def test_errors_for_bad_input():
  with pytest.raises(ValueError, match="even bandwidth"):
    pooling.area_pool(np.zeros((6, 6, 1), np.float32))
  with pytest.raises(ValueError, match=r"\[1, 4\]"):
    pooling.spectral_pool(np.zeros((8, 8, 1), np.float32), 5)
  with pytest.raises(ValueError, match="2b, 2b, C"):
    pooling.global_average(np.zeros((8, 6, 1), np.float32))
  with pytest.raises(ValueError, match="2b, 2b, C"):
    pooling.degree_norms(np.zeros((8, 6, 1), np.float32))
