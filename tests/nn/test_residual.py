"""ResidualBlock: shortcut wiring, pooling modes and errors; activations by name."""

import functools

import jax
import numpy as np
import pytest

from equivariant_embeddings.nn import activation
from equivariant_embeddings.nn import pooling
from equivariant_embeddings.nn import ResidualBlock
from tests.nn import signals


def _init_apply(block, x):
  variables = jax.jit(functools.partial(block.init, train=False))(jax.random.PRNGKey(0), x)
  return variables, jax.jit(functools.partial(block.apply, train=False))(variables, x)


def test_identity_shortcut_when_shape_is_kept():
  x = signals.band_limited(np.random.default_rng(0), 8, 3, batch=(2,))
  block = ResidualBlock(3)
  variables, _ = _init_apply(block, x)
  assert "projection" not in variables["params"]
  # Zero the residual branch (final batch-norm scale 0): the block is then relu(x).
  params = dict(variables["params"])
  params["norm_1"] = {"scale": np.zeros(3, np.float32), "bias": np.zeros(3, np.float32)}
  out = block.apply({**variables, "params": params}, x, train=False)
  np.testing.assert_allclose(out, np.maximum(x, 0), atol=1e-6)


@pytest.mark.parametrize("mode", ["spectral", "area"])
def test_pooling_and_projection_shortcut(mode):
  x = signals.band_limited(np.random.default_rng(1), 8, 2, batch=(2,))
  block = ResidualBlock(5, pooling=2, pooling_mode=mode)
  variables, out = _init_apply(block, x)
  assert out.shape == (2, 8, 8, 5)
  # With the residual branch zeroed the block is relu(projection(pool(x))).
  assert variables["params"]["projection"]["kernel"].shape == (2, 5)
  params = dict(variables["params"])
  params["norm_1"] = {"scale": np.zeros(5, np.float32), "bias": np.zeros(5, np.float32)}
  out = block.apply({**variables, "params": params}, x, train=False)
  pooled = pooling.spectral_pool(x, 4) if mode == "spectral" else pooling.area_pool(x)
  expected = np.maximum(pooled @ np.asarray(params["projection"]["kernel"]), 0)
  np.testing.assert_allclose(out, expected, atol=1e-5)


def test_errors():
  x = np.zeros((1, 12, 12, 1), np.float32)
  with pytest.raises(ValueError, match="divide the input bandwidth 6"):
    ResidualBlock(2, pooling=4).init(jax.random.PRNGKey(0), x, train=False)
  with pytest.raises(ValueError, match="power of two"):
    ResidualBlock(2, pooling=3, pooling_mode="area").init(jax.random.PRNGKey(0), x, train=False)
  with pytest.raises(ValueError, match="pooling mode"):
    ResidualBlock(2, pooling_mode="max").init(jax.random.PRNGKey(0), x, train=False)
  with pytest.raises(ValueError, match="unknown activation 'tanhh'"):
    activation("tanhh")
  np.testing.assert_array_equal(activation("relu")(np.array([-1.0, 2.0])), [0.0, 2.0])
