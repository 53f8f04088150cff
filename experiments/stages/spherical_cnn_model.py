"""The spherical CNN Φ for inference: the model side of the spherical_cnn stage."""

import jax.numpy as jnp

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import SphericalCNN
from equivariant_embeddings.nn import block_name


class SphericalCNNModel:
  """Φ (`nn.SphericalCNN`) on `sphere` maps (batch, 2b, 2b, C): class logits and block features.

  The model sees band-limited maps (degrees < b; `sphere.band_limit`) in training, evaluation and
  feature export alike: ray-cast maps have jumps at silhouettes that alias on the grid, and the
  network is exactly equivariant only for band-limited input (its first residual shortcut is
  spatial).
  """

  depends_on = None  # no earlier stage

  def __init__(self, config, workdir=None):
    del workdir  # nothing derived from other stages
    self.config = config
    self.model = SphericalCNN(num_classes=config.num_classes, **config.model)
    bandwidth = config.data.builder.bandwidth
    self.input_shape = (2 * bandwidth, 2 * bandwidth, len(config.data.builder.channels))
    self.feature_names = tuple(block_name(i) for i in range(len(config.model.block_features)))

  def init_variables(self, rng):
    return self.model.init(rng, jnp.zeros((1,) + self.input_shape, jnp.float32), train=False)

  def features(self, variables, x, layer: str):
    """The feature maps of block `layer` (batch, 2b_k, 2b_k, C_k) for maps x (batch, 2b, 2b, C),
    band-limited as in training, batch norm in inference mode."""
    _, features = self.model.apply(variables, sphere.band_limit(x), train=False)
    return features[layer]

  def logits(self, variables, x):
    """Class logits (batch, num_classes) for maps x (batch, 2b, 2b, C), as in evaluation."""
    logits, _ = self.model.apply(variables, sphere.band_limit(x), train=False)
    return logits
