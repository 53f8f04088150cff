"""The pose-regression baseline for inference: the model side of the regression stage.

E's image encoder and a dense head (`nn.PoseRegressor`) regress the rotation R that took the
category-aligned mesh to its pose in the view; relative pose of two views is R̂_b R̂_aᵀ.
"""

import jax.numpy as jnp

from equivariant_embeddings.nn import PoseRegressor

ROTATION = "rotation"


class RegressionModel:
  """The regressed rotation `rotation` (batch, 3, 3) of views `image` (batch, S, S, 1)."""

  feature_names = (ROTATION,)
  depends_on = None  # no earlier stage

  def __init__(self, config, workdir: str | None = None):
    del workdir  # depends on no other stage
    self.config = config
    size = config.data.builder.image_size
    self.input_shape = (size, size, 1)
    self.model = PoseRegressor(**config.model)

  def init_variables(self, rng):
    return self.model.init(rng, jnp.zeros((1,) + self.input_shape, jnp.float32), train=False)

  def features(self, variables, images, layer: str = ROTATION):
    """The regressed rotations (batch, 3, 3) of views (batch, S, S, 1), inference mode."""
    if layer != ROTATION:
      raise ValueError(f"the regression network has one output, {ROTATION!r}; got {layer!r}")
    _, rotation = self.model.apply(variables, images, train=False)
    return rotation
