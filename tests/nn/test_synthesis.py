"""The synthesis network G: shapes, range, spherical padding on its input side, checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from equivariant_embeddings.nn import SynthesisNet


@pytest.mark.parametrize("grid,image_size", [(16, 64), (8, 32), (4, 8)])
def test_views_of_the_right_size_in_the_unit_range(grid, image_size):
  maps = jax.random.normal(jax.random.PRNGKey(0), (3, grid, grid, 5))
  net = SynthesisNet(image_size=image_size, width=4, max_width=16, code_size=8, blocks_per_stage=2)
  views, variables = net.init_with_output(jax.random.PRNGKey(1), maps, train=False)
  assert views.shape == (3, image_size, image_size, 1) and views.dtype == jnp.float32
  assert float(views.min()) >= 0 and float(views.max()) <= 1
  trained, updates = net.apply(variables, maps, train=True, mutable=["batch_stats"])
  assert trained.shape == views.shape and "batch_stats" in updates


def test_a_rolled_input_gives_another_view():
  # G reads the whole sphere: rolling the maps in longitude changes its output (not a constant net).
  maps = jax.random.normal(jax.random.PRNGKey(2), (2, 16, 16, 3))
  net = SynthesisNet(image_size=16, width=4, max_width=8, code_size=8)
  variables = net.init(jax.random.PRNGKey(3), maps, train=False)
  a = net.apply(variables, maps, train=False)
  b = net.apply(variables, jnp.roll(maps, 5, axis=2), train=False)
  assert float(jnp.abs(a - b).max()) > 1e-4


@pytest.mark.parametrize("shape,image_size,match", [
    ((2, 12, 12, 3), 16, "4 times a power of two"),
    ((2, 16, 8, 3), 16, "4 times a power of two"),
    ((16, 16, 3), 16, "4 times a power of two"),
    ((2, 16, 16, 3), 24, "image_size must be a power of two"),
])
def test_bad_inputs(shape, image_size, match):
  with pytest.raises(ValueError, match=match):
    SynthesisNet(image_size=image_size, width=4, max_width=8, code_size=8).init(
        jax.random.PRNGKey(0), np.zeros(shape, np.float32), train=False)
