"""Grid and quadrature: exact sums against closed-form integrals."""

import numpy as np
import pytest

from equivariant_embeddings import sphere
from tests.sphere import reference


@pytest.mark.parametrize("b", [1, 4, 16, 64])
def test_colatitudes_and_longitudes(b):
  theta, phi = sphere.colatitudes(b), sphere.longitudes(b)
  assert theta.shape == phi.shape == (2 * b,)
  np.testing.assert_allclose(theta, np.pi * (2 * np.arange(2 * b) + 1) / (4 * b), rtol=0, atol=1e-15)
  np.testing.assert_allclose(phi, 2 * np.pi * np.arange(2 * b) / (2 * b), rtol=0, atol=1e-15)
  # Symmetric about the equator, no sample on a pole (the parity trick in the SHT relies on it).
  np.testing.assert_allclose(theta + theta[::-1], np.pi, atol=1e-14)


@pytest.mark.parametrize("b", [2, 8, 32])
def test_quadrature_integrates_polynomials_exactly(b):
  # ∫ cos^d θ dΩ = 4π/(d+1) for even d, 0 for odd d; exact for d < 2b. Tolerance: float64 rounding.
  w = sphere.quadrature_weights(b)
  cos = np.cos(sphere.colatitudes(b))
  for d in range(2 * b):
    expected = 4 * np.pi / (d + 1) if d % 2 == 0 else 0.0
    assert abs(2 * b * np.sum(w * cos**d) - expected) < 1e-13


def test_quadrature_orthonormality_of_harmonics():
  # Products of two degree < b harmonics have degree < 2b: the quadrature is exact for them.
  b = 6
  theta, phi, _ = reference.grid_points(b)
  w = sphere.quadrature_weights(b)[:, None]
  pairs = [(l, m) for l in range(b) for m in range(-l, l + 1)]
  ys = np.stack([reference.harmonic(l, m, theta, phi) for l, m in pairs])
  gram = np.einsum("ajk,bjk,jk->ab", ys, np.conj(ys), np.broadcast_to(w, theta.shape))
  np.testing.assert_allclose(gram, np.eye(len(pairs)), atol=1e-13)


def test_area_weights_are_normalised_sines():
  w = sphere.area_weights(16)
  np.testing.assert_allclose(w.mean(), 1.0)
  np.testing.assert_allclose(w / np.sin(sphere.colatitudes(16)), w[0] / np.sin(sphere.colatitudes(16)[0]))


def test_tables_are_read_only_and_cached():
  w = sphere.quadrature_weights(8)
  assert w is sphere.quadrature_weights(8)
  with pytest.raises(ValueError):
    w[0] = 1.0


@pytest.mark.parametrize("bad", [0, -3, 2.5, "8", True])
def test_bad_bandwidth(bad):
  with pytest.raises(ValueError, match="bandwidth"):
    sphere.colatitudes(bad)


def test_grid_points_are_the_unit_vectors_at_the_grid_angles():
  points = sphere.grid_points(4)
  assert points.shape == (8, 8, 3) and not points.flags.writeable
  np.testing.assert_allclose(np.linalg.norm(points, axis=-1), 1, atol=1e-15)
  np.testing.assert_allclose(points[:, 0, 2], np.cos(sphere.colatitudes(4)), atol=1e-15)
  np.testing.assert_allclose(np.arctan2(points[3, :, 1], points[3, :, 0]) % (2 * np.pi),
                             sphere.longitudes(4), atol=1e-12)
