"""SphericalConv against the convolution integral, its exact equivariance, bandwidths and errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import conv
from equivariant_embeddings.nn import spectral
from equivariant_embeddings.nn import SphericalConv
from tests.nn import signals
from tests.sphere import reference


def _init_apply(layer, x, seed=0):
  variables = layer.init(jax.random.PRNGKey(seed), x)
  return variables, layer.apply(variables, x)


def test_degree_filter_table_interpolates_anchors_linearly():
  table = conv.degree_filter_table(9, 3)  # anchors at ℓ = 0, 4, 8
  factor = 2 * np.pi * np.sqrt(4 * np.pi / (2 * np.arange(9) + 1))
  interpolation = table / factor[:, None]
  np.testing.assert_allclose(interpolation[[0, 4, 8]], np.eye(3), atol=1e-15)
  np.testing.assert_allclose(interpolation[2], [0.5, 0.5, 0.0], atol=1e-15)
  np.testing.assert_allclose(interpolation.sum(axis=1), 1.0, atol=1e-15)
  np.testing.assert_allclose(conv.degree_filter_table(1, 4), [[2 * np.pi * np.sqrt(4 * np.pi), 0, 0,
                                                               0]])


def test_matches_zonal_convolution_integral():
  # Independent evidence: (f ⋆ h)(x) = 2π ∫ f(y) h(x·y) dΩ(y) for the zonal filter
  # h(cos γ) = Σ_ℓ h_ℓ √((2ℓ+1)/4π) P_ℓ(cos γ), by Driscoll–Healy quadrature (exact here: the integrand
  # has degree < 2b) with Legendre polynomials from SciPy, in float64.
  b, c_in, c_out, anchors = 6, 2, 3, 3
  rng = np.random.default_rng(0)
  with jax.enable_x64(True):
    x = signals.band_limited(rng, b, c_in, dtype=np.float64)
    layer = SphericalConv(c_out, num_anchors=anchors, param_dtype=jnp.float64)
    variables, out = _init_apply(layer, x)
  kernel = np.asarray(variables["params"]["kernel"])  # (anchors, c_in, c_out)
  interpolation = conv.degree_filter_table(b, anchors) / (
      2 * np.pi * np.sqrt(4 * np.pi / (2 * np.arange(b) + 1)))[:, None]
  h = np.einsum("la,aio->lio", interpolation, kernel)  # zonal coefficients h^ℓ_0 per channel pair
  _, _, xyz = reference.grid_points(b)
  points = xyz.reshape(-1, 3)
  cos_angle = np.clip(points @ points.T, -1, 1)
  legendre = np.stack([np.polynomial.legendre.Legendre.basis(l)(cos_angle) for l in range(b)])
  filters = np.einsum("lxy,lio,l->xyio", legendre, h, np.sqrt((2 * np.arange(b) + 1) / (4 * np.pi)))
  area = np.repeat(sphere.quadrature_weights(b), 2 * b)
  expected = 2 * np.pi * np.einsum("xyio,y,yi->xo", filters, area, x.reshape(-1, c_in))
  np.testing.assert_allclose(out.reshape(-1, c_out), expected, atol=1e-10 * np.abs(expected).max())


def test_equivariant_to_float_tolerance():
  b = 16
  rng = np.random.default_rng(1)
  x = signals.band_limited(rng, b, 4, batch=(3,))
  rotations = sphere.random_rotations(jax.random.PRNGKey(1), 3)
  layer = SphericalConv(5, num_anchors=4)
  variables, out = _init_apply(layer, x)
  rotated_out = layer.apply(variables, sphere.rotate_spherical(x, rotations))
  error = signals.relative_error(rotated_out, sphere.rotate_spherical(out, rotations))
  # Linear and diagonal in ℓ, so exact up to float32 round-off of three transforms and two
  # rotations (each a few 1e-7 relative, cf. tests/sphere/test_rotate.py).
  assert error < 5e-6, error


def _reference_spectral_conv(coeffs, kernel, bandwidth):
  """The §3.6 formula on the full spectrum (all orders m), then resized: (..., b_out, 2b_out−1, C_out)."""
  b = coeffs.shape[-3]
  num_degrees = min(b, bandwidth)
  weights = np.einsum("la,aio->lio", conv.degree_filter_table(num_degrees, kernel.shape[0]), kernel)
  weights = np.pad(weights, [(0, b - num_degrees), (0, 0), (0, 0)])
  out = np.einsum("...lmi,lio->...lmo", np.asarray(coeffs, np.complex128), weights)
  return spectral.resize_coefficients(out, bandwidth)


@pytest.mark.parametrize("bandwidth", [3, 8, 12])
def test_spectral_formula_and_bandwidth_change(bandwidth):
  # Degrees ℓ ≥ bandwidth are dropped (pooling) or zero (upsampling); the anchors spread over the
  # degrees that reach the output, ℓ < min(b_in, b_out).
  b = 8
  rng = np.random.default_rng(2)
  x = signals.band_limited(rng, b, 3, batch=(2,))
  layer = SphericalConv(4, num_anchors=3, bandwidth=bandwidth, spectral_output=True)
  variables, out = _init_apply(layer, x)
  assert out.shape == (2, bandwidth, 2 * bandwidth - 1, 4)
  expected = _reference_spectral_conv(sphere.forward_sht(x), np.asarray(
      variables["params"]["kernel"], np.float64), bandwidth)
  np.testing.assert_allclose(out, expected, atol=1e-5 * np.abs(expected).max())
  spatial = SphericalConv(4, num_anchors=3, bandwidth=bandwidth).apply(variables, x)
  np.testing.assert_allclose(spatial, sphere.inverse_sht(out), atol=1e-5)


def test_spectral_input_skips_the_forward_transform():
  rng = np.random.default_rng(3)
  x = signals.band_limited(rng, 8, 2, batch=(2,))
  layer = SphericalConv(3)
  variables, out = _init_apply(layer, x)
  from_coeffs = SphericalConv(3, spectral_input=True).apply(variables, sphere.forward_sht(x))
  np.testing.assert_allclose(from_coeffs, out, atol=1e-6)


def test_works_under_jit_and_grad():
  rng = np.random.default_rng(4)
  x = signals.band_limited(rng, 8, 2, batch=(2,))
  layer = SphericalConv(3)
  variables, out = _init_apply(layer, x)
  jitted = jax.jit(layer.apply)(variables, x)
  np.testing.assert_allclose(jitted, out, atol=1e-6)
  grads = jax.grad(lambda v: jnp.sum(layer.apply(v, x) ** 2))(variables)
  assert np.all(np.isfinite(grads["params"]["kernel"]))
  assert np.abs(grads["params"]["kernel"]).max() > 0


def test_errors_for_bad_input():
  rng = np.random.default_rng(5)
  x = signals.band_limited(rng, 4, 2, batch=(1,))
  layer = SphericalConv(3)
  variables, _ = _init_apply(layer, x)
  with pytest.raises(ValueError, match="initialised for 2"):
    layer.apply(variables, np.concatenate([x, x], axis=-1))
  with pytest.raises(ValueError, match=r"\(\.\.\., 2b, 2b, C\)"):
    layer.apply(variables, x[:, :, :7])
  with pytest.raises(ValueError, match="real"):
    layer.apply(variables, x.astype(np.complex64))
  with pytest.raises(ValueError, match=r"\(\.\.\., b, 2b-1, C\)"):
    SphericalConv(3, spectral_input=True).apply(variables, x)
