"""The pose-regression baseline (the paper's Appendix B.1, after Mahendran et al. 2017).

E's image encoder (the same module, `embedding.ImageEncoder`) up to its code, then a head of dense
layers that regresses the object's rotation as an axis-angle vector θ·axis, mapped to a matrix by
Rodrigues' formula (`sphere.axis_angle_to_matrix`).
"""

import flax.linen as nn
import jax.numpy as jnp

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import activations
from equivariant_embeddings.nn.embedding import ImageEncoder


class PoseRegressor(nn.Module):
  """Views → rotations.

  Attributes:
    width, max_width, code_size, blocks_per_stage, activation: the image encoder's (as E's).
    head_features: widths of the hidden dense layers of the pose head.

  Variables: `params` and `batch_stats`.
  """
  width: int = 64
  max_width: int = 256
  code_size: int = 1024
  blocks_per_stage: int = 1
  activation: str = "relu"
  head_features: tuple[int, ...] = (1000, 500)

  @nn.compact
  def __call__(self, images, train: bool):
    """Regresses rotations.

    Args:
      images: float (batch, S, S, 1) in [0, 1], S a power of two >= 8.
      train: batch statistics (True) or running averages (False) in the batch norms.

    Returns:
      (axis_angle (batch, 3), rotation (batch, 3, 3)): the regressed vector θ·axis and its matrix.
    """
    code = ImageEncoder(self.width, self.max_width, self.code_size, self.blocks_per_stage,
                        self.activation, name="encoder")(images, train)
    act = activations.activation(self.activation)
    h = code
    for index, features in enumerate(self.head_features):
      h = act(nn.Dense(features, name=f"head_{index}")(h))
    # Starting at the identity (zero vector) keeps the first steps away from the θ = π seam.
    axis_angle = nn.Dense(3, kernel_init=nn.initializers.zeros, name="axis_angle")(h)
    axis_angle = axis_angle.astype(jnp.float32)
    return axis_angle, sphere.axis_angle_to_matrix(axis_angle)
