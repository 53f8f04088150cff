"""The area-weighted Huber loss against a computation by hand."""

import numpy as np
import pytest

from equivariant_embeddings import losses


def test_huber_against_a_hand_computation():
  rng = np.random.default_rng(0)
  predictions = rng.normal(size=(3, 8, 8, 2)) * 2
  targets = rng.normal(size=(3, 8, 8, 2))
  delta = 0.7
  residual = np.abs(predictions - targets)
  huber = np.where(residual <= delta, 0.5 * residual**2, delta * (residual - 0.5 * delta))
  theta = np.pi * (2 * np.arange(8) + 1) / 16
  weights = np.sin(theta) / np.sin(theta).mean()
  want = (huber * weights[None, :, None, None]).mean(axis=(1, 2, 3))
  got = losses.area_weighted_huber(predictions.astype(np.float32), targets.astype(np.float32), delta)
  np.testing.assert_allclose(got, want, rtol=1e-5)  # float32: a few ulps of the mean of 384 terms
  assert ((residual <= delta).any() and (residual > delta).any())  # both branches exercised


def test_polar_rows_count_less_than_equatorial_ones():
  targets = np.zeros((1, 8, 8, 1))
  polar, equatorial = targets.copy(), targets.copy()
  polar[:, 0] = 0.5
  equatorial[:, 4] = 0.5
  loss = lambda p: float(losses.area_weighted_huber(p, targets)[0])
  assert loss(polar) < 0.3 * loss(equatorial)


@pytest.mark.parametrize("shape_a,shape_b,delta,match", [
    ((2, 8, 8, 1), (2, 8, 8, 2), 1.0, "must both be"),
    ((8, 8, 1), (8, 8, 1), 1.0, "must both be"),
    ((2, 8, 6, 1), (2, 8, 6, 1), 1.0, "2b × 2b grid"),
    ((2, 8, 8, 1), (2, 8, 8, 1), 0.0, "delta must be > 0"),
])
def test_bad_arguments(shape_a, shape_b, delta, match):
  with pytest.raises(ValueError, match=match):
    losses.area_weighted_huber(np.zeros(shape_a), np.zeros(shape_b), delta)
