"""The embedding network E: spherical padding against a field sampled by hand, shapes, checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from equivariant_embeddings import sphere
from equivariant_embeddings.nn import EmbeddingNet, ImageEncoder, SphericalDecoder, spherical_pad


def _field(theta, phi):
  """A smooth function of the point (x, y, z) on the sphere, with no symmetry that would hide a
  wrong neighbour: f = x + 2y² + 3z + xyz."""
  x, y, z = np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)
  return x + 2 * y**2 + 3 * z + x * y * z


@pytest.mark.parametrize("b,pad", [(4, 1), (4, 3), (8, 2)])
def test_padding_samples_the_sphere_at_the_extended_grid_angles(b, pad):
  # Rows −pad … 2b−1+pad sit at colatitudes π(2j+1)/(4b) beyond the poles (θ < 0 or > π), which
  # are points of the sphere: the padded map must hold the field there, exactly.
  rows = np.arange(-pad, 2 * b + pad)
  cols = np.arange(-pad, 2 * b + pad)
  theta = np.pi * (2 * rows + 1) / (4 * b)
  phi = np.pi * cols / b
  want = _field(theta[:, None], phi[None, :])
  grid = _field(sphere.colatitudes(b)[:, None], sphere.longitudes(b)[None, :])
  got = np.asarray(spherical_pad(jnp.asarray(grid[None, :, :, None]), pad))[0, :, :, 0]
  np.testing.assert_allclose(got, want, atol=1e-12)


def test_padding_keeps_batch_and_channel_axes_apart():
  x = np.random.default_rng(0).normal(size=(2, 3, 8, 8, 5)).astype(np.float32)
  padded = np.asarray(spherical_pad(x, 2))
  assert padded.shape == (2, 3, 12, 12, 5)
  np.testing.assert_array_equal(padded[..., 2:10, 2:10, :], x)
  np.testing.assert_array_equal(np.asarray(spherical_pad(x, 0)), x)


@pytest.mark.parametrize("shape,pad", [((8, 6, 1), 1), ((7, 7, 1), 1), ((8, 8), 1),
                                       ((8, 8, 1), 9), ((8, 8, 1), -1)])
def test_padding_rejects_bad_grids_and_widths(shape, pad):
  with pytest.raises(ValueError, match="spherical_pad expects|pad must be"):
    spherical_pad(np.zeros(shape), pad)


def test_embedding_starts_at_the_targets_mean():
  net = EmbeddingNet(grid_size=8, channels=3, width=4, max_width=8, code_size=8)
  images = jax.random.uniform(jax.random.PRNGKey(0), (2, 16, 16, 1))
  out, _ = net.init_with_output(jax.random.PRNGKey(1), images, train=False)
  np.testing.assert_array_equal(out, 0.0)  # normalised targets have mean 0


def test_shapes_of_encoder_decoder_and_embedding():
  images = jnp.zeros((3, 32, 32, 1))
  encoder = ImageEncoder(width=4, max_width=16, code_size=12)
  code, _ = encoder.init_with_output(jax.random.PRNGKey(0), images, train=False)
  assert code.shape == (3, 12)
  decoder = SphericalDecoder(grid_size=16, channels=5, width=4, max_width=16)
  maps, _ = decoder.init_with_output(jax.random.PRNGKey(0), code, train=False)
  assert maps.shape == (3, 16, 16, 5) and maps.dtype == jnp.float32
  net = EmbeddingNet(grid_size=8, channels=7, width=4, max_width=8, code_size=16,
                     blocks_per_stage=2)
  variables = net.init(jax.random.PRNGKey(0), images, train=False)
  assert set(variables) == {"params", "batch_stats"}
  assert set(variables["params"]) == {"encoder", "decoder"}  # the encoder is reusable on its own
  out, updates = net.apply(variables, images + 0.5, train=True, mutable=["batch_stats"])
  assert out.shape == (3, 8, 8, 7) and "batch_stats" in updates


def test_decoder_output_has_no_seam_at_the_longitude_wrap():
  # With spherical padding the first and last longitudes are neighbours like any other two: for
  # a random network, the jump across the seam is of the size of the jumps between other columns.
  decoder = SphericalDecoder(grid_size=16, channels=1, width=4, max_width=8)
  code = jax.random.normal(jax.random.PRNGKey(1), (4, 32))
  variables = decoder.init(jax.random.PRNGKey(2), code, train=False)
  # The output convolution starts at zero (training starts from the targets' mean): randomise it.
  kernel = variables["params"]["to_maps"]["kernel"]
  variables["params"]["to_maps"]["kernel"] = jax.random.normal(jax.random.PRNGKey(3), kernel.shape)
  maps = np.asarray(decoder.apply(variables, code, train=False))[..., 0]
  assert maps.std() > 0
  steps = np.abs(np.diff(maps, axis=2)).mean()
  seam = np.abs(maps[:, :, 0] - maps[:, :, -1]).mean()
  assert seam < 3 * steps


@pytest.mark.parametrize("shape,dtype,match", [
    ((2, 32, 32), np.float32, "batch, S, S, channels"),
    ((2, 32, 16, 1), np.float32, "batch, S, S, channels"),
    ((2, 24, 24, 1), np.float32, "power of two"),
    ((2, 32, 32, 1), np.uint8, "floating point"),
])
def test_encoder_rejects_bad_images(shape, dtype, match):
  with pytest.raises(ValueError, match=match):
    ImageEncoder(width=4, max_width=8, code_size=8).init(jax.random.PRNGKey(0),
                                                         np.zeros(shape, dtype), train=False)


def test_decoder_rejects_grids_it_cannot_reach():
  with pytest.raises(ValueError, match="grid_size must be 4 times a power of two"):
    SphericalDecoder(grid_size=12, channels=1).init(jax.random.PRNGKey(0), jnp.zeros((1, 8)),
                                                    train=False)
