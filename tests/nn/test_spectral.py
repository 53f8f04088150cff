"""Bandwidth changes and the m ≥ 0 half of real spectra."""

import jax
import numpy as np

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import spectral
from tests.sphere import reference


def test_from_nonnegative_orders_restores_a_real_spectrum():
  rng = np.random.default_rng(0)
  coeffs = reference.real_coefficients(rng, 6, 2).astype(np.complex64)
  half = spectral.nonnegative_orders(coeffs, 6)
  assert half.shape == (6, 6, 2)
  np.testing.assert_allclose(spectral.from_nonnegative_orders(half, 6), coeffs, atol=1e-6)
  # Entries above the diagonal (m > ℓ) are ignored, not copied.
  noisy = np.asarray(half) + np.triu(np.ones((6, 6)), 1)[:, :, None]
  np.testing.assert_allclose(spectral.from_nonnegative_orders(noisy, 6), coeffs, atol=1e-6)


def test_resize_truncates_and_pads():
  rng = np.random.default_rng(1)
  coeffs = reference.real_coefficients(rng, 6, 1)
  with jax.enable_x64(True):
    _check_resize(coeffs)


def _check_resize(coeffs):
  small = spectral.resize_coefficients(coeffs, 4)
  assert small.shape == (4, 7, 1)
  np.testing.assert_array_equal(small, coeffs[:4, 2:9])
  big = spectral.resize_coefficients(coeffs, 9)
  assert big.shape == (9, 17, 1)
  np.testing.assert_array_equal(spectral.resize_coefficients(big, 6), coeffs)
  np.testing.assert_allclose(np.abs(np.asarray(big)).sum(), np.abs(coeffs).sum(), rtol=1e-12)
  # Zero-padding is band-limited interpolation: the finer grid samples the same function.
  fine = sphere.inverse_sht(big)
  _, _, xyz = reference.grid_points(9)
  np.testing.assert_allclose(fine, reference.synthesize(coeffs, xyz), atol=1e-10)
