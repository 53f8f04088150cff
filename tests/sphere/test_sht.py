"""Spherical harmonic transforms against analytic cases and a direct-summation reference."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from equivariant_embeddings import sphere
from tests.sphere import reference


@pytest.mark.parametrize("l,m", [(0, 0), (1, -1), (3, 2), (5, -4), (7, 7)])
def test_single_harmonic_gives_single_coefficient(l, m):
  # Y_ℓm is complex; its real and imaginary parts are real functions with exactly two coefficients.
  b = 8
  theta, phi, _ = reference.grid_points(b)
  y = reference.harmonic(l, m, theta, phi)
  x = np.stack([y.real, y.imag], -1).astype(np.float32)
  coeffs = np.asarray(sphere.forward_sht(x))
  expected = np.zeros((b, 2 * b - 1, 2), complex)
  # Re Y = (Y_ℓm + (−1)^m Y_ℓ,−m)/2 and Im Y = (Y_ℓm − (−1)^m Y_ℓ,−m)/(2i).
  expected[l, b - 1 + m, 0] += 0.5
  expected[l, b - 1 - m, 0] += 0.5 * (-1) ** m
  expected[l, b - 1 + m, 1] += -0.5j
  expected[l, b - 1 - m, 1] += 0.5j * (-1) ** m
  # float32: entries are O(1) sums of O(b) terms; 1e-6 is a few ulps.
  np.testing.assert_allclose(coeffs, expected, atol=1e-6)


def test_forward_matches_direct_summation_reference():
  rng = np.random.default_rng(0)
  x = rng.normal(size=(12, 12, 3))  # not band-limited: the quadrature sum itself is compared
  with jax.enable_x64(True):
    fast = np.asarray(sphere.forward_sht(jnp.asarray(x)))
  np.testing.assert_allclose(fast, reference.forward_sht(x), atol=1e-13)


def test_inverse_matches_synthesis_reference():
  rng = np.random.default_rng(1)
  b = 6
  coeffs = reference.real_coefficients(rng, b, 2)
  _, _, xyz = reference.grid_points(b)
  with jax.enable_x64(True):
    fast = np.asarray(sphere.inverse_sht(jnp.asarray(coeffs)))
  np.testing.assert_allclose(fast, reference.synthesize(coeffs, xyz), atol=1e-12)


def test_inverse_takes_real_part_of_complex_functions():
  # Arbitrary (not conjugate-symmetric) coefficients synthesise Re Σ f_ℓm Y_ℓm.
  rng = np.random.default_rng(2)
  b = 5
  coeffs = rng.normal(size=(b, 2 * b - 1, 1)) + 1j * rng.normal(size=(b, 2 * b - 1, 1))
  _, _, xyz = reference.grid_points(b)
  with jax.enable_x64(True):
    fast = np.asarray(sphere.inverse_sht(jnp.asarray(coeffs)))
  l, m = np.meshgrid(np.arange(b), np.arange(1 - b, b), indexing="ij")
  coeffs[np.abs(m) > l] = 0
  np.testing.assert_allclose(fast, reference.synthesize(coeffs, xyz), atol=1e-12)


@pytest.mark.parametrize("b", [8, 16, 32, 64, 128])
def test_round_trip_float32(b):
  rng = np.random.default_rng(b)
  coeffs = reference.real_coefficients(rng, b, 4).astype(np.complex64)
  x = sphere.inverse_sht(coeffs)
  rel_spatial = jnp.linalg.norm(sphere.inverse_sht(sphere.forward_sht(x)) - x) / jnp.linalg.norm(x)
  rel_spectral = jnp.linalg.norm(sphere.forward_sht(x) - coeffs) / np.linalg.norm(coeffs)
  # Target from the issue: relative error ≤ 1e-6 in float32 for b = 8 … 128.
  assert rel_spatial <= 1e-6 and rel_spectral <= 1e-6, (rel_spatial, rel_spectral)


@pytest.mark.parametrize("b", [7, 8, 64])  # odd b leaves the last order-parity row empty
def test_round_trip_float64(b):
  rng = np.random.default_rng(b)
  coeffs = reference.real_coefficients(rng, b, 2)
  with jax.enable_x64(True):
    x = sphere.inverse_sht(jnp.asarray(coeffs))
    assert x.dtype == jnp.float64
    back = sphere.forward_sht(x)
    assert back.dtype == jnp.complex128
    rel = float(jnp.linalg.norm(back - coeffs) / np.linalg.norm(coeffs))
  assert rel <= 1e-12


def test_parseval():
  # ∫ f² dΩ = Σ |f_ℓm|² for band-limited real f, with the exact quadrature.
  rng = np.random.default_rng(3)
  b = 16
  coeffs = reference.real_coefficients(rng, b, 3)
  with jax.enable_x64(True):
    x = np.asarray(sphere.inverse_sht(jnp.asarray(coeffs)))
  energy = np.einsum("j,jkc->c", 2 * b * sphere.quadrature_weights(b) / (2 * b), x**2)
  np.testing.assert_allclose(energy, (np.abs(coeffs) ** 2).sum(axis=(0, 1)), rtol=1e-12)


def test_batched_jit_vmap_agree():
  rng = np.random.default_rng(4)
  x = jnp.asarray(rng.normal(size=(3, 2, 16, 16, 5)), jnp.float32)
  eager = sphere.forward_sht(x)
  assert eager.shape == (3, 2, 8, 15, 5)
  np.testing.assert_allclose(jax.jit(sphere.forward_sht)(x), eager, atol=1e-6)
  np.testing.assert_allclose(jax.vmap(sphere.forward_sht)(x), eager, atol=1e-6)
  single = sphere.forward_sht(x[1, 0])
  np.testing.assert_allclose(single, eager[1, 0], atol=1e-6)
  inv = sphere.inverse_sht(eager)
  np.testing.assert_allclose(jax.vmap(jax.vmap(sphere.inverse_sht))(eager), inv, atol=1e-5)


def test_gradient_matches_finite_differences():
  rng = np.random.default_rng(5)
  with jax.enable_x64(True):
    x = jnp.asarray(rng.normal(size=(8, 8, 2)))
    probe = jnp.asarray(rng.normal(size=(4, 7, 2)) + 1j * rng.normal(size=(4, 7, 2)))
    loss = lambda x: jnp.sum(jnp.abs(sphere.forward_sht(x) * probe) ** 2)
    direction = jnp.asarray(rng.normal(size=x.shape))
    eps = 1e-6
    numeric = (loss(x + eps * direction) - loss(x - eps * direction)) / (2 * eps)
    analytic = jnp.vdot(jax.grad(loss)(x), direction)
  # Central differences in float64: truncation O(eps²) and rounding O(1e-16/eps) ≈ 1e-10 relative.
  np.testing.assert_allclose(analytic, numeric, rtol=1e-7)


@pytest.mark.parametrize("shape,match", [
    ((16, 14, 1), r"\(\.\.\., 2b, 2b, C\)"),
    ((15, 15, 1), r"\(\.\.\., 2b, 2b, C\)"),
    ((16, 16), r"\(\.\.\., 2b, 2b, C\)"),
])
def test_bad_spatial_shape(shape, match):
  with pytest.raises(ValueError, match=match):
    sphere.forward_sht(np.zeros(shape, np.float32))


def test_complex_input_rejected():
  with pytest.raises(ValueError, match="must be real"):
    sphere.forward_sht(np.zeros((8, 8, 1), np.complex64))


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_input_rejected(value):
  x = np.zeros((8, 8, 1), np.float32)
  x[2, 3, 0] = value
  with pytest.raises(ValueError, match="NaN or inf"):
    sphere.forward_sht(x)
  with pytest.raises(ValueError, match="NaN or inf"):
    sphere.inverse_sht(np.full((4, 7, 1), value, np.complex64))


def test_bad_spectral_shape():
  with pytest.raises(ValueError, match=r"\(\.\.\., b, 2b-1, C\)"):
    sphere.inverse_sht(np.zeros((4, 8, 1), np.complex64))
