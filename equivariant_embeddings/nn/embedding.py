"""The embedding network E: a single view → spherical feature maps (docs/conventions.md, 'Models').

An image encoder (strided convolutions and residual blocks down to a 1 × 1 code) and a spherical
decoder (a transposed convolution to a 4 × 4 grid, then residual blocks with stride-2 transposed
convolutions up to the target grid), with no skip connections between image and sphere. Once the
maps are spherical they are padded with their neighbours on the sphere (`spherical_pad`): circularly
in longitude and across the poles, so that no border of the grid is a border of the function.

The image encoder is its own module: the pose-regression baseline reads the same code.
"""

import math

import flax.linen as nn
import jax.numpy as jnp

from equivariant_embeddings.nn import activations
from equivariant_embeddings.nn.spherical_padding import spherical_pad


def check_images(images, name: str = "images"):
  """Raises ValueError unless images is a floating (batch, S, S, C) array, S a power of two >= 8."""
  if not hasattr(images, "shape") or images.ndim != 4 or images.shape[1] != images.shape[2]:
    raise ValueError(f"{name} must have shape (batch, S, S, channels); got "
                     f"{getattr(images, 'shape', type(images))}")
  size = images.shape[1]
  if size < 8 or size & (size - 1):
    raise ValueError(f"{name}: the image size S must be a power of two >= 8; got shape "
                     f"{images.shape}")
  if not jnp.issubdtype(images.dtype, jnp.floating):
    raise ValueError(f"{name} must be floating point (float32 in [0, 1]); got {images.dtype}")


def centred_downsampling_conv(features: int, name: str):
  """A stride-2 convolution whose output pixel i is centred on input pixels 2i and 2i + 1.

  A 4 × 4 kernel padded by one on each side: output i reads inputs 2i − 1 … 2i + 2, so the halved
  map stays aligned with the image (a 3 × 3 'SAME' kernel at stride 2 is off by half an input pixel)
  and a quarter turn of the input turns the output exactly.
  """
  return nn.Conv(features, (4, 4), (2, 2), padding=((1, 1), (1, 1)), use_bias=False, name=name)


class ImageResidualBlock(nn.Module):
  """conv 3×3 (stride s) → BN → act → conv 3×3 → BN, plus a (strided 1×1) shortcut, → act.

  Attributes:
    features: output channels.
    stride: 1, or 2 to halve the image size.
    activation: a name in activations.ACTIVATIONS.
    centred: at stride 2, downsample with `centred_downsampling_conv` and a 2 × 2 stride-2 shortcut,
      so that feature pixels stay centred on the image blocks they summarise (the lifted E samples
      them at exact camera projections).
  """
  features: int
  stride: int = 1
  activation: str = "relu"
  centred: bool = False

  @nn.compact
  def __call__(self, x, train: bool):
    """x (batch, H, W, C_in) → (batch, H / stride, W / stride, features)."""
    act = activations.activation(self.activation)
    norm = lambda name: nn.BatchNorm(use_running_average=not train, name=name)
    strides = (self.stride, self.stride)
    if self.centred and self.stride == 2:
      h = centred_downsampling_conv(self.features, "conv_0")(x)
    else:
      h = nn.Conv(self.features, (3, 3), strides, use_bias=False, name="conv_0")(x)
    h = act(norm("norm_0")(h))
    h = nn.Conv(self.features, (3, 3), use_bias=False, name="conv_1")(h)
    h = norm("norm_1")(h)
    shortcut = x
    if self.stride != 1 or x.shape[-1] != self.features:
      window = strides if self.centred else (1, 1)
      shortcut = nn.Conv(self.features, window, strides, padding="VALID", use_bias=False,
                         name="projection")(x)
      shortcut = norm("norm_projection")(shortcut)
    return act(h + shortcut)


class ImageEncoder(nn.Module):
  """Images → a code vector.

  A stride-2 stem convolution with `width` channels, a residual block at that size, then one stage
  per halving of the image down to 4 × 4 (a stride-2 residual block and blocks_per_stage − 1 more),
  channels doubling up to `max_width`; a 4 × 4 convolution makes the 1 × 1 × code_size code.

  Attributes:
    width: channels of the stem (and first stage).
    max_width: channels are capped at this.
    code_size: length of the code.
    blocks_per_stage: residual blocks per image size (≥ 1).
    activation: a name in activations.ACTIVATIONS.
  """
  width: int = 64
  max_width: int = 256
  code_size: int = 1024
  blocks_per_stage: int = 1
  activation: str = "relu"

  @nn.compact
  def __call__(self, images, train: bool):
    """Encodes images.

    Args:
      images: float (batch, S, S, C), S a power of two >= 8 (views are (batch, 64, 64, 1)).
      train: batch statistics (True) or running averages (False) in the batch norms.

    Returns:
      (batch, code_size) float32 codes, linear (no activation: a ReLU here lets training kill the
      whole code, which makes every output the targets' mean).
    """
    check_images(images)
    act = activations.activation(self.activation)
    h = nn.Conv(self.width, (3, 3), (2, 2), use_bias=False, name="stem")(images.astype(jnp.float32))
    h = act(nn.BatchNorm(use_running_average=not train, name="stem_norm")(h))
    channels, index = self.width, 0
    while True:
      stride = 1 if index == 0 else 2
      for repeat in range(self.blocks_per_stage):
        h = ImageResidualBlock(channels, stride if repeat == 0 else 1, self.activation,
                               name=f"stage_{index}_block_{repeat}")(h, train)
      if h.shape[1] <= 4:
        break
      channels, index = min(2 * channels, self.max_width), index + 1
    h = nn.Conv(self.code_size, h.shape[1:3], padding="VALID", name="to_code")(h)
    return h.reshape(h.shape[0], self.code_size)


def spherical_conv3x3(features: int, name: str):
  """A 3×3 planar convolution over maps padded with their spherical neighbours."""
  conv = nn.Conv(features, (3, 3), padding="VALID", use_bias=False, name=name)
  return lambda x: conv(spherical_pad(x, 1))


def upsample_nearest(x):
  """x (batch, H, W, C) → (batch, 2H, 2W, C), each pixel repeated 2 × 2."""
  return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def resampling_block(x, train: bool, features: int, activation: str, resample, conv, shortcut):
  """The body of E's and G's blocks that change the grid or image size, inside their `__call__`:
  resample → BN → act → conv → BN, plus shortcut(x) through a 1×1 projection and BN, → act.

  Args:
    x: (batch, H, W, C_in).
    train: batch statistics (True) or running averages (False) in the batch norms.
    features: output channels.
    activation: a name in activations.ACTIVATIONS.
    resample: x → (batch, H', W', features), the resizing convolution (named by the caller).
    conv: (batch, H', W', features) → the same shape, the second convolution.
    shortcut: x → (batch, H', W', C_in), resized without parameters.

  Returns:
    (batch, H', W', features); the parameters are those of `resample` and `conv`, and norm_0,
    norm_1, projection and norm_projection.
  """
  act = activations.activation(activation)
  norm = lambda name: nn.BatchNorm(use_running_average=not train, name=name)
  h = act(norm("norm_0")(resample(x)))
  h = norm("norm_1")(conv(h))
  projection = nn.Dense(features, use_bias=False, name="projection")(shortcut(x))
  return act(h + norm("norm_projection")(projection))


class SphericalUpBlock(nn.Module):
  """Doubles the grid: transposed conv 4×4 stride 2 → BN → act → conv 3×3 → BN, plus a shortcut
  (nearest-neighbour upsampling and a 1×1 projection), → act. Every convolution sees spherically
  padded maps.

  The transposed convolution runs on the input padded by one sample and is cropped back, so
  that the new border rows and columns receive contributions from across the poles and the
  longitude seam, as inner ones do from both sides.

  Attributes:
    features: output channels.
    activation: a name in activations.ACTIVATIONS.
  """
  features: int
  activation: str = "relu"

  @nn.compact
  def __call__(self, x, train: bool):
    """x (batch, 2b, 2b, C_in) → (batch, 4b, 4b, features)."""
    size = x.shape[-2]
    up_conv = nn.ConvTranspose(self.features, (4, 4), (2, 2), padding="VALID", use_bias=False,
                               name="up_conv")
    # (2b + 2) inputs → 2(2b + 2) + 2 outputs; the centre 4b are those of the unpadded grid.
    resample = lambda x: up_conv(spherical_pad(x, 1))[:, 3:3 + 2 * size, 3:3 + 2 * size]
    return resampling_block(x, train, self.features, self.activation, resample,
                            spherical_conv3x3(self.features, "conv_1"), upsample_nearest)


class SphericalResidualBlock(nn.Module):
  """conv 3×3 → BN → act → conv 3×3 → BN, plus the identity, → act, on spherically padded maps.

  Attributes:
    activation: a name in activations.ACTIVATIONS.
  """
  activation: str = "relu"

  @nn.compact
  def __call__(self, x, train: bool):
    """x (batch, 2b, 2b, C) → (batch, 2b, 2b, C)."""
    act = activations.activation(self.activation)
    norm = lambda name: nn.BatchNorm(use_running_average=not train, name=name)
    h = act(norm("norm_0")(spherical_conv3x3(x.shape[-1], "conv_0")(x)))
    h = norm("norm_1")(spherical_conv3x3(x.shape[-1], "conv_1")(h))
    return act(h + x)


class SphericalDecoder(nn.Module):
  """A code vector → spherical maps.

  A 4 × 4 transposed convolution (max_width channels), then one `SphericalUpBlock` per doubling of
  the grid (and blocks_per_stage − 1 `SphericalResidualBlock`s after each), channels halving from
  max_width toward `width` as the grid grows, and a 3 × 3 convolution to the output channels with no
  activation (targets are normalised, so of either sign).

  Attributes:
    grid_size: 2b of the output grid: 4 times a power of two (8 for b = 4, 16 for b = 8, ...).
    channels: output channels C.
    width: the fewest channels of any block.
    max_width: channels of the 4 × 4 maps.
    blocks_per_stage: blocks per grid size (≥ 1).
    activation: a name in activations.ACTIVATIONS.
  """
  grid_size: int
  channels: int
  width: int = 64
  max_width: int = 256
  blocks_per_stage: int = 1
  activation: str = "relu"

  @nn.compact
  def __call__(self, code, train: bool):
    """Decodes codes.

    Args:
      code: (batch, code_size).
      train: batch statistics (True) or running averages (False) in the batch norms.

    Returns:
      (batch, grid_size, grid_size, channels) float32 maps on the Driscoll–Healy grid.
    """
    doublings = math.log2(self.grid_size / 4) if self.grid_size >= 4 else -1
    if doublings < 0 or doublings != int(doublings):
      raise ValueError(f"grid_size must be 4 times a power of two (4, 8, 16, 32, ...); got "
                       f"{self.grid_size}")
    if code.ndim != 2:
      raise ValueError(f"code must have shape (batch, code_size); got {code.shape}")
    act = activations.activation(self.activation)
    h = nn.ConvTranspose(self.max_width, (4, 4), padding="VALID", use_bias=False,
                         name="from_code")(code[:, None, None, :])
    h = act(nn.BatchNorm(use_running_average=not train, name="from_code_norm")(h))
    for index in range(int(doublings)):
      channels = max(self.width, self.max_width >> (index + 1))
      h = SphericalUpBlock(channels, self.activation, name=f"up_{index}")(h, train)
      for repeat in range(1, self.blocks_per_stage):
        h = SphericalResidualBlock(self.activation, name=f"up_{index}_block_{repeat}")(h, train)
    # Zero-initialised: training starts from the targets' mean (0 after normalisation) instead of
    # first erasing a random input dependence, which left the network near a constant output.
    out = nn.Conv(self.channels, (3, 3), padding="VALID", kernel_init=nn.initializers.zeros,
                  name="to_maps")(spherical_pad(h, 1))
    return out.astype(jnp.float32)


class EmbeddingNet(nn.Module):
  """E: single views → spherical maps that rotate with the object (encoder → code → decoder).

  Attributes:
    grid_size, channels: the output grid 2b_k and channels C_k (those of the target layer of Φ).
    width, max_width: channel range of both halves (the encoder doubles from width, the decoder
      halves from max_width).
    code_size: length of the code between them.
    blocks_per_stage: residual blocks per resolution in both halves.
    activation: a name in activations.ACTIVATIONS.

  Variables: `params` and `batch_stats`.
  """
  grid_size: int
  channels: int
  width: int = 64
  max_width: int = 256
  code_size: int = 1024
  blocks_per_stage: int = 1
  activation: str = "relu"

  def setup(self):
    self.encoder = ImageEncoder(self.width, self.max_width, self.code_size, self.blocks_per_stage,
                                self.activation)
    self.decoder = SphericalDecoder(self.grid_size, self.channels, self.width, self.max_width,
                                    self.blocks_per_stage, self.activation)

  def __call__(self, images, train: bool):
    """Embeds views.

    Args:
      images: float (batch, S, S, 1) in [0, 1], S a power of two >= 8.
      train: batch statistics (True) or running averages (False) in the batch norms.

    Returns:
      (batch, grid_size, grid_size, channels) float32 spherical maps.
    """
    return self.decoder(self.encoder(images, train), train)
