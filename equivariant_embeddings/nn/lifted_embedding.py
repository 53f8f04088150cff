"""The lifted embedding network E: image features placed on the sphere where the camera sees them.

A view and the spherical map of the same posed object share one frame (docs/conventions.md): the
front hemisphere of the map (z > 0) is the object's visible side, and a grid point x there appears
at a known pixel of the view (`camera.grid_pixels`). So instead of learning from data how every
image direction maps to every sphere direction (`EmbeddingNet` squeezes the view into a 1 × 1 code),
this E keeps spatial image features and *lifts* them onto the target grid, after Image2Sphere
(Klee et al., ICLR 2023):

  view (S × S) → image CNN with centred downsampling → features at S/2, S/4, S/8
  lift: the view and the S/2, S/4 features sampled bilinearly at the projection of each
        front-hemisphere grid point (zero behind), plus a global code from the S/8 features
        broadcast to every point (the hidden side can only come from it), plus the position
        channels (cos θ, front mask), mixed by one dense layer → (2b, 2b, sphere_width)
  spherical residual blocks at the target grid → a zero-initialised 1 × 1 layer to the channels.

A quarter turn of the view about its centre is a quarter turn of the object about the camera axis,
which rolls the maps by a quarter of their longitudes (`view_symmetries`). The lift and the
centred image CNN are built so that this can be made exact: with `quarter_turn_average` E averages
g⁻¹·E(g·view) over the four turns g.
"""

import flax.linen as nn
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings import camera
from equivariant_embeddings.nn import activations
from equivariant_embeddings.nn import batch_norm
from equivariant_embeddings.nn import conv
from equivariant_embeddings.nn import embedding
from equivariant_embeddings.sphere import grid

SPHERE_LAYERS = ("spherical", "planar")  # the layer kinds of a sphere block
QUARTER_TURN_AVERAGE = ("never", "inference", "always")  # when E averages over quarter turns


def lift(features, b: int, image_size: int):
  """Bilinear samples of image features at the camera projections of the sphere grid's points.

  Args:
    features: (batch, F, F, C) feature maps of S × S views, F dividing S (centred downsampling).
    b: bandwidth of the target grid.
    image_size: S.

  Returns:
    (batch, 2b, 2b, C): the features where each front-hemisphere grid point appears in the view,
    0 on the back hemisphere and where the point falls outside the image.
  """
  batch, size, _, channels = features.shape
  indices, weights = camera.bilinear_taps(b, image_size, size)
  taps = jnp.take(features.reshape(batch, size * size, channels), jnp.asarray(indices.ravel()),
                  axis=1).reshape(batch, -1, 4, channels)
  lifted = jnp.einsum("bptc,pt->bpc", taps, jnp.asarray(weights, features.dtype))
  return lifted.reshape(batch, 2 * b, 2 * b, channels)


def position_channels(b: int) -> np.ndarray:
  """(2b, 2b, 2) float32: cos θ and the front-hemisphere mask at each grid point."""
  cos_theta = np.cos(grid.colatitudes(b))[:, None] * np.ones((1, 2 * b))
  return np.stack([cos_theta, cos_theta > 0], -1).astype(np.float32)


class LiftedImageCNN(nn.Module):
  """Views → spatial features at S/2, S/4 and S/8, and a global code.

  A centred stride-2 stem (width), a residual block at S/2, centred stride-2 residual blocks to S/4
  (2·width) and S/8 (4·width); the code is a dense layer of the flattened S/8 features.

  Attributes:
    width: channels at S/2.
    code_size: length of the code.
    activation: a name in activations.ACTIVATIONS.
  """
  width: int = 16
  code_size: int = 128
  activation: str = "relu"

  @nn.compact
  def __call__(self, images, train: bool):
    """images (batch, S, S, C) → ([(batch, S/2, S/2, width), (batch, S/4, S/4, 2·width)],
    (batch, code_size))."""
    act = activations.activation(self.activation)
    h = embedding.centred_downsampling_conv(self.width, "stem")(images)
    h = act(nn.BatchNorm(use_running_average=not train, name="stem_norm")(h))
    half = embedding.ImageResidualBlock(self.width, 1, self.activation, name="block_half")(h, train)
    quarter = embedding.ImageResidualBlock(2 * self.width, 2, self.activation, centred=True,
                                           name="block_quarter")(half, train)
    eighth = embedding.ImageResidualBlock(4 * self.width, 2, self.activation, centred=True,
                                          name="block_eighth")(quarter, train)
    code = nn.Dense(self.code_size, name="to_code")(eighth.reshape(eighth.shape[0], -1))
    return [half, quarter], code


class SphereBlock(nn.Module):
  """Residual block on the target grid: layers → BN → act between them, plus the identity, → act.

  Attributes:
    layers: kinds in SPHERE_LAYERS: "spherical" (an exactly equivariant `SphericalConv`) or "planar"
      (a 3 × 3 convolution of spherically padded maps: local, cheap, not exactly equivariant).
    num_anchors: filter anchors of the spherical convolutions.
    activation: a name in activations.ACTIVATIONS.
  """
  layers: tuple = ("spherical", "spherical", "spherical")
  num_anchors: int = 6
  activation: str = "relu"

  @nn.compact
  def __call__(self, x, train: bool):
    """x (batch, 2b, 2b, C) → (batch, 2b, 2b, C)."""
    act = activations.activation(self.activation)
    channels = x.shape[-1]
    h = x
    for index, kind in enumerate(self.layers):
      if kind == "spherical":
        h = conv.SphericalConv(channels, self.num_anchors, name=f"layer_{index}")(h)
      else:
        h = embedding.spherical_conv3x3(channels, f"layer_{index}")(h)
      h = batch_norm.SphericalBatchNorm(name=f"norm_{index}")(h, train)
      if index < len(self.layers) - 1:
        h = act(h)
    return act(h + x)


class LiftedEmbeddingNet(nn.Module):
  """E: single views → spherical maps, through features lifted onto the sphere (module docstring).

  Attributes:
    grid_size, channels: the output grid 2b_k and channels C_k (those of the target layer of Φ).
    width: channels of the image CNN at S/2 (2·width at S/4, 4·width at S/8).
    code_size: length of the global code (the hidden side's only source).
    sphere_width: channels of the maps on the target grid.
    sphere_blocks: number of `SphereBlock`s.
    sphere_layers: the layer kinds of each block (SPHERE_LAYERS).
    num_anchors: filter anchors of the spherical convolutions.
    quarter_turn_average: one of QUARTER_TURN_AVERAGE: average g⁻¹·E(g·view) over the four quarter
      turns g about the camera axis "never", at "inference" only (4× inference cost; E is then
      exactly equivariant to quarter turns of the view) or "always" (also in training, 4× cost).
    activation: a name in activations.ACTIVATIONS.

  Variables: `params` and `batch_stats`.
  """
  grid_size: int
  channels: int
  width: int = 16
  code_size: int = 128
  sphere_width: int = 32
  sphere_blocks: int = 3
  sphere_layers: tuple = ("spherical", "spherical", "spherical")
  num_anchors: int = 6
  quarter_turn_average: str = "never"
  activation: str = "relu"

  def _check(self, images):
    embedding.check_images(images)
    if self.grid_size < 4 or self.grid_size % 4:
      raise ValueError(f"grid_size must be a multiple of 4 (2b with quarter turns of whole "
                       f"longitudes); got {self.grid_size}")
    if any(kind not in SPHERE_LAYERS for kind in self.sphere_layers) or not self.sphere_layers:
      raise ValueError(f"sphere_layers must be a non-empty sequence of {SPHERE_LAYERS}; got "
                       f"{self.sphere_layers!r}")
    if self.quarter_turn_average not in QUARTER_TURN_AVERAGE:
      raise ValueError(f"quarter_turn_average must be one of {QUARTER_TURN_AVERAGE}; got "
                       f"{self.quarter_turn_average!r}")

  @nn.compact
  def _embed(self, images, train: bool):
    b, size = self.grid_size // 2, images.shape[1]
    act = activations.activation(self.activation)
    features, code = LiftedImageCNN(self.width, self.code_size, self.activation,
                                    name="image_cnn")(images, train)
    lifted = jnp.concatenate([lift(f, b, size) for f in [images] + features], axis=-1)
    positions = jnp.broadcast_to(jnp.asarray(position_channels(b)),
                                 images.shape[:1] + (2 * b, 2 * b, 2))
    h = nn.Dense(self.sphere_width, use_bias=False, name="from_lift")(
        jnp.concatenate([lifted, positions], -1))
    h = h + nn.Dense(self.sphere_width, name="from_code")(code)[:, None, None, :]
    h = act(batch_norm.SphericalBatchNorm(name="lift_norm")(h, train))
    for index in range(self.sphere_blocks):
      h = SphereBlock(tuple(self.sphere_layers), self.num_anchors, self.activation,
                      name=f"sphere_block_{index}")(h, train)
    # Zero-initialised: training starts from the targets' mean (0 after normalisation).
    return nn.Dense(self.channels, kernel_init=nn.initializers.zeros, name="to_maps")(h)

  def __call__(self, images, train: bool):
    """Embeds views.

    Args:
      images: float (batch, S, S, 1) in [0, 1], S a power of two >= 8.
      train: batch statistics (True) or running averages (False) in the batch norms.

    Returns:
      (batch, grid_size, grid_size, channels) float32 spherical maps.
    """
    self._check(images)
    images = images.astype(jnp.float32)
    average = (self.quarter_turn_average == "always"
               or (self.quarter_turn_average == "inference" and not train))
    if not average:
      return self._embed(images, train)
    # E(g·view) for the four turns in one batch, each turned back: roll by −k quarters of longitude.
    turned = jnp.concatenate([jnp.rot90(images, k, axes=(1, 2)) for k in range(4)])
    maps = self._embed(turned, train).reshape((4,) + images.shape[:1] + (self.grid_size,) * 2
                                              + (self.channels,))
    quarter = self.grid_size // 4
    return sum(jnp.roll(maps[k], -k * quarter, axis=2) for k in range(4)) / 4
