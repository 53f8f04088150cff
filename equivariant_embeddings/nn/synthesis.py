"""The synthesis network G: spherical maps → a view, the mirror of E (docs/conventions.md,
'Models').

A spherical encoder (convolutions on maps padded with their spherical neighbours, `spherical_pad`,
halving the grid down to 4 × 4, then a 4 × 4 convolution to a 1 × 1 code) and an image decoder
(a transposed convolution to 4 × 4 and residual blocks with stride-2 transposed convolutions up to
the view size). A novel view of an object under a rotation R is G(R·E(view)).
"""

import flax.linen as nn
import jax.numpy as jnp

from equivariant_embeddings.nn import activations
from equivariant_embeddings.nn.embedding import SphericalResidualBlock
from equivariant_embeddings.nn.embedding import resampling_block
from equivariant_embeddings.nn.embedding import spherical_conv3x3
from equivariant_embeddings.nn.embedding import upsample_nearest
from equivariant_embeddings.nn.spherical_padding import spherical_pad


def _average_2x2(x):
  """x (batch, 2b, 2b, C) → (batch, b, b, C), the mean of each 2 × 2 block."""
  batch, size, _, channels = x.shape
  return x.reshape(batch, size // 2, 2, size // 2, 2, channels).mean(axis=(2, 4))


class SphericalDownBlock(nn.Module):
  """Halves the grid: conv 4×4 stride 2 → BN → act → conv 3×3 → BN, plus a shortcut (2×2 average
  and a 1×1 projection), → act; every convolution sees spherically padded maps.

  The 4×4 stride-2 window over the map padded by one sample covers rows 2i − 1 … 2i + 2, centred on
  the colatitude of output row i of the halved Driscoll–Healy grid.

  Attributes:
    features: output channels.
    activation: a name in activations.ACTIVATIONS.
  """
  features: int
  activation: str = "relu"

  @nn.compact
  def __call__(self, x, train: bool):
    """x (batch, 2b, 2b, C_in) → (batch, b, b, features)."""
    down_conv = nn.Conv(self.features, (4, 4), (2, 2), padding="VALID", use_bias=False,
                        name="down_conv")
    return resampling_block(x, train, self.features, self.activation,
                            lambda x: down_conv(spherical_pad(x, 1)),
                            spherical_conv3x3(self.features, "conv_1"), _average_2x2)


class ImageUpBlock(nn.Module):
  """Doubles the image: transposed conv 4×4 stride 2 → BN → act → conv 3×3 → BN, plus a shortcut
  (nearest-neighbour upsampling and a 1×1 projection), → act.

  Attributes:
    features: output channels.
    activation: a name in activations.ACTIVATIONS.
  """
  features: int
  activation: str = "relu"

  @nn.compact
  def __call__(self, x, train: bool):
    """x (batch, H, W, C_in) → (batch, 2H, 2W, features)."""
    return resampling_block(
        x, train, self.features, self.activation,
        nn.ConvTranspose(self.features, (4, 4), (2, 2), padding="SAME", use_bias=False,
                         name="up_conv"),
        nn.Conv(self.features, (3, 3), use_bias=False, name="conv_1"), upsample_nearest)


class SynthesisNet(nn.Module):
  """G: spherical maps → grayscale views in [0, 1].

  Attributes:
    image_size: S of the output views, a power of two >= 8.
    width: channels of the first spherical convolution and of the last image block.
    max_width: channel cap (the 4 × 4 maps of both halves).
    code_size: length of the code between sphere and image.
    blocks_per_stage: residual blocks per resolution on the sphere (≥ 1).
    activation: a name in activations.ACTIVATIONS.

  Variables: `params` and `batch_stats`.
  """
  image_size: int = 64
  width: int = 64
  max_width: int = 256
  code_size: int = 1024
  blocks_per_stage: int = 1
  activation: str = "relu"

  @nn.compact
  def __call__(self, maps, train: bool):
    """Renders views of spherical maps.

    Args:
      maps: float (batch, 2b, 2b, C), 2b = 4 times a power of two (E's output grid).
      train: batch statistics (True) or running averages (False) in the batch norms.

    Returns:
      (batch, image_size, image_size, 1) float32 views in [0, 1].
    """
    if maps.ndim != 4 or maps.shape[1] != maps.shape[2] or maps.shape[1] < 4 or (
        (maps.shape[1] // 4) & (maps.shape[1] // 4 - 1)) or maps.shape[1] % 4:
      raise ValueError(f"maps must be (batch, 2b, 2b, C) with 2b = 4 times a power of two; got "
                       f"shape {maps.shape}")
    size = self.image_size
    if size < 8 or size & (size - 1):
      raise ValueError(f"image_size must be a power of two >= 8, got {size}")
    act = activations.activation(self.activation)
    norm = lambda name: nn.BatchNorm(use_running_average=not train, name=name)
    h = nn.Conv(self.width, (3, 3), padding="VALID", use_bias=False,
                name="stem")(spherical_pad(maps.astype(jnp.float32), 1))
    h = act(norm("stem_norm")(h))
    channels, index = self.width, 0
    while h.shape[1] > 4:
      channels = min(2 * channels, self.max_width)
      h = SphericalDownBlock(channels, self.activation, name=f"down_{index}")(h, train)
      for repeat in range(1, self.blocks_per_stage):
        h = SphericalResidualBlock(self.activation, name=f"down_{index}_block_{repeat}")(h, train)
      index += 1
    code = nn.Conv(self.code_size, (4, 4), padding="VALID", name="to_code")(h)
    h = nn.ConvTranspose(self.max_width, (4, 4), padding="VALID", use_bias=False,
                         name="from_code")(code)
    h = act(norm("from_code_norm")(h))
    index = 0
    while h.shape[1] < size // 2:
      channels = max(self.width, self.max_width >> (index + 1))
      h = ImageUpBlock(channels, self.activation, name=f"up_{index}")(h, train)
      index += 1
    logits = nn.ConvTranspose(1, (4, 4), (2, 2), padding="SAME", name="to_image")(h)
    return nn.sigmoid(logits.astype(jnp.float32))
