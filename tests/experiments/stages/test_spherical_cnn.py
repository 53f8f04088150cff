"""The spherical CNN stage's training-time input transforms."""

import jax
import numpy as np
import pytest

from configs import spherical_cnn_tiny
from experiments.stages import spherical_cnn


def test_mixup_blends_each_example_with_one_partner():
  # With one-hot inputs and targets, row i of the result shows its own weight and its partner.
  batch = 16
  x = np.eye(batch, dtype=np.float32).reshape(batch, 4, 4, 1)
  labels = np.eye(batch, dtype=np.float32)
  mixed_x, mixed_labels = spherical_cnn.mixup(jax.random.PRNGKey(0), x, labels, alpha=0.4)
  mixed_x, mixed_labels = np.asarray(mixed_x).reshape(batch, batch), np.asarray(mixed_labels)
  np.testing.assert_allclose(mixed_x, mixed_labels, atol=1e-7)  # inputs and targets mix alike
  np.testing.assert_allclose(mixed_labels.sum(1), 1, atol=1e-6)
  own = np.diag(mixed_labels)
  assert (own >= 0.5).all() and own.min() < 0.99  # the own shape dominates; some are truly mixed
  partners = np.where(np.eye(batch, dtype=bool), 0, mixed_labels).argmax(1)
  mixed = own < 1
  assert len(set(partners[mixed])) == mixed.sum()  # the partners form a permutation
  # Deterministic in the key.
  again, _ = spherical_cnn.mixup(jax.random.PRNGKey(0), x, labels, alpha=0.4)
  np.testing.assert_array_equal(np.asarray(again).reshape(batch, batch), mixed_x)


@pytest.mark.parametrize("field, value", [("mixup_alpha", -0.1), ("label_smoothing", 1.0)])
def test_bad_regularisation_settings_are_rejected(field, value):
  config = spherical_cnn_tiny.get_config()
  config[field] = value
  with pytest.raises(ValueError, match="mixup_alpha must be >= 0 and label_smoothing in"):
    spherical_cnn.SphericalCNNStage(config)
