"""The lifted embedding network: the lift against a float64 NumPy reference, quarter turns of the view
against rolls of the maps, shapes, checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from equivariant_embeddings import camera
from equivariant_embeddings.nn import LiftedEmbeddingNet
from equivariant_embeddings.nn import lifted_embedding


def _reference_lift(features, b, image_size):
  """Bilinear interpolation point by point in float64, zero outside the map and behind."""
  features = np.asarray(features, np.float64)
  size = features.shape[1]
  rows, cols, front = camera.grid_pixels(b, image_size)
  out = np.zeros((features.shape[0], 2 * b, 2 * b, features.shape[-1]))
  for j in range(2 * b):
    for k in range(2 * b):
      if not front[j, k]:
        continue
      # View pixel c covers [c − 0.5, c + 0.5]; feature pixel i covers S/F view pixels.
      r = (rows[j, k] + 0.5) * size / image_size - 0.5
      c = (cols[j, k] + 0.5) * size / image_size - 0.5
      for rr in (int(np.floor(r)), int(np.floor(r)) + 1):
        for cc in (int(np.floor(c)), int(np.floor(c)) + 1):
          if 0 <= rr < size and 0 <= cc < size:
            out[:, j, k] += (1 - abs(r - rr)) * (1 - abs(c - cc)) * features[:, rr, cc]
  return out


@pytest.mark.parametrize("b,image_size,feature_size", [(8, 32, 32), (8, 32, 8), (4, 16, 4)])
def test_lift_matches_reference(b, image_size, feature_size):
  features = np.random.default_rng(0).normal(size=(2, feature_size, feature_size, 3))
  got = lifted_embedding.lift(jnp.asarray(features, jnp.float32), b, image_size)
  # float32 products of O(1) values: 1e-5.
  np.testing.assert_allclose(got, _reference_lift(features, b, image_size), atol=1e-5)


def test_lift_of_block_averages_is_the_view_at_the_grid_point():
  # A view linear in (row, col), averaged over 4 × 4 blocks (what a centred stride-4 downsampling
  # aligns to), is the line at the block centres: lifting it gives the view's own value at each
  # projected point, for every point inside the image.
  size, factor, b = 32, 4, 8
  row, col = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
  view = (0.3 * row - 0.7 * col + 2.0)[None, :, :, None]
  blocks = view.reshape(1, size // factor, factor, size // factor, factor, 1).mean((2, 4))
  rows, cols, front = camera.grid_pixels(b, size)
  inside = front & (rows > factor) & (rows < size - factor) & (cols > factor) & (cols < size - factor)
  lifted = np.asarray(lifted_embedding.lift(jnp.asarray(blocks, jnp.float32), b, size))[0, ..., 0]
  np.testing.assert_allclose(lifted[inside], (0.3 * rows - 0.7 * cols + 2.0)[inside], atol=1e-4)
  assert inside.sum() > 20


def _randomised(variables):
  # The output layer starts at zero (training starts from the targets' mean): randomise it.
  kernel = variables["params"]["to_maps"]["kernel"]
  variables["params"]["to_maps"]["kernel"] = jax.random.normal(jax.random.PRNGKey(9), kernel.shape)
  return variables


def test_quarter_turn_average_makes_quarter_turns_exact():
  # A quarter turn of the view is a quarter turn of the object about z: the maps roll by a quarter of
  # their longitudes (view_symmetries). Averaged over the turns, E does so to float32 rounding; not
  # averaged, a random E is far from it.
  images = jax.random.uniform(jax.random.PRNGKey(0), (2, 32, 32, 1))
  turned = jnp.rot90(images, 1, axes=(1, 2))
  errors = {}
  for mode in ("inference", "never"):
    net = LiftedEmbeddingNet(grid_size=16, channels=4, width=4, code_size=8, sphere_width=8,
                             sphere_blocks=1, quarter_turn_average=mode)
    variables = _randomised(net.init(jax.random.PRNGKey(1), images, train=False))
    out = net.apply(variables, images, train=False)
    out_turned = net.apply(variables, turned, train=False)
    errors[mode] = float(jnp.abs(out_turned - jnp.roll(out, 4, axis=2)).max() / jnp.abs(out).max())
  assert errors["inference"] < 1e-5
  assert errors["never"] > 1e-2


def test_shapes_init_and_training_mode():
  net = LiftedEmbeddingNet(grid_size=8, channels=5, width=4, code_size=8, sphere_width=8,
                           sphere_blocks=2, sphere_layers=("planar",))
  images = jax.random.uniform(jax.random.PRNGKey(0), (3, 16, 16, 1))
  out, variables = net.init_with_output(jax.random.PRNGKey(1), images, train=False)
  assert out.shape == (3, 8, 8, 5) and out.dtype == jnp.float32
  np.testing.assert_array_equal(out, 0.0)  # normalised targets have mean 0
  assert set(variables) == {"params", "batch_stats"}
  out, updates = net.apply(variables, images, train=True, mutable=["batch_stats"])
  assert out.shape == (3, 8, 8, 5) and "batch_stats" in updates


@pytest.mark.parametrize("fields,message", [
    (dict(grid_size=10), "grid_size must be a multiple of 4"),
    (dict(sphere_layers=("spherical", "dense")), "sphere_layers must be"),
    (dict(sphere_layers=()), "sphere_layers must be"),
    (dict(quarter_turn_average="sometimes"), "quarter_turn_average must be one of"),
])
def test_bad_fields_are_named(fields, message):
  net = LiftedEmbeddingNet(**{"grid_size": 8, "channels": 2, **fields})
  with pytest.raises(ValueError, match=message):
    net.init(jax.random.PRNGKey(0), jnp.zeros((1, 16, 16, 1)), train=False)


@pytest.mark.parametrize("shape", [(16, 16, 1), (1, 12, 12, 1), (1, 16, 8, 1)])
def test_bad_views_are_named(shape):
  net = LiftedEmbeddingNet(grid_size=8, channels=2)
  with pytest.raises(ValueError, match="images"):
    net.init(jax.random.PRNGKey(0), jnp.zeros(shape), train=False)
