"""Bad input to the layers' __call__ and the pooling functions: a ValueError naming the layer or
argument and what was expected.

The checks are sphere.checks': shapes, dtypes and channel counts also under jit (at trace time),
NaN/inf outside jit only. Grids are 8 × 8 (b = 4), so the good calls compile quickly.
"""

import jax
import numpy as np
import pytest

from equivariant_embeddings import nn as enn

KEY = jax.random.PRNGKey(0)
GOOD = np.ones((2, 8, 8, 3), np.float32)


def _init_and_apply(layer, **kwargs):
  """call(x): layer.init on x, so that __call__ sees x (init runs it)."""
  return lambda x: layer.init(KEY, x, **kwargs)


LAYERS = {
    "SphericalConv": _init_and_apply(enn.SphericalConv(4, num_anchors=2)),
    "SphericalBatchNorm": _init_and_apply(enn.SphericalBatchNorm(), train=True),
    "ResidualBlock": _init_and_apply(enn.ResidualBlock(4, num_anchors=2), train=False),
    "SphericalCNN": _init_and_apply(
        enn.SphericalCNN(num_classes=2, block_features=(4,), block_pooling=(1,), num_anchors=2),
        train=False),
}
FUNCTIONS = {  # the pooling functions name their argument x
    "area_pool": enn.area_pool,
    "spectral_pool": lambda x: enn.spectral_pool(x, 2),
    "global_average": enn.global_average,
    "degree_norms": enn.degree_norms,
}

BAD = {  # what, array, what the message must say
    "rank 2": (np.ones((8, 3), np.float32), r"2b, 2b, C"),
    "not square": (np.ones((2, 8, 6, 3), np.float32), r"2b, 2b, C"),
    "odd grid": (np.ones((2, 7, 7, 3), np.float32), r"2b, 2b, C"),
    "empty batch": (np.ones((0, 8, 8, 3), np.float32), r"empty|batch"),
    "complex": (GOOD.astype(np.complex64), r"real"),
    "bool": (GOOD > 0, r"boolean|real floating point"),
    "float16": (GOOD.astype(np.float16), r"float16|float32"),
    "NaN": (np.full(GOOD.shape, np.nan, np.float32), r"NaN or inf"),
    "inf": (np.full(GOOD.shape, -np.inf, np.float32), r"NaN or inf"),
    "None": (None, r"array"),
}


# SphericalCNN takes any real floating point input (float16 too) and computes in float32.
@pytest.mark.parametrize("layer,case", [(layer, case) for layer in LAYERS for case in BAD
                                        if (layer, case) != ("SphericalCNN", "float16")])
def test_layers_reject_bad_input(layer, case):
  array, message = BAD[case]
  with pytest.raises(ValueError, match=message) as error:
    LAYERS[layer](array)
  # The message names the layer (or, inside the CNN, its block) or the argument.
  assert any(name in str(error.value) for name in (layer, "block_0", "input", "x "))


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("case", BAD)
def test_pooling_functions_reject_bad_input(function, case):
  array, message = BAD[case]
  with pytest.raises(ValueError, match=message) as error:
    FUNCTIONS[function](array)
  assert str(error.value).startswith("x ")


@pytest.mark.parametrize("layer,kwargs,prefix", [
    (enn.SphericalConv(4, num_anchors=2), {}, "SphericalConv"),
    (enn.SphericalBatchNorm(), {"train": False}, "SphericalBatchNorm"),
    (enn.ResidualBlock(4, num_anchors=2), {"train": False}, "conv_0"),
])
def test_another_channel_count_than_at_init(layer, kwargs, prefix):
  variables = layer.init(KEY, GOOD, **kwargs)
  with pytest.raises(ValueError, match=rf"^{prefix}: input has 2 channels but the layer was "
                                       rf"initialised for 3"):
    layer.apply(variables, GOOD[..., :2], **kwargs)


def test_batch_norm_used_to_accept_anything():
  # It had no input check: wrong grids, complex, NaN and integers (returned as integers) passed.
  norm = enn.SphericalBatchNorm()
  variables = norm.init(KEY, GOOD, train=False)
  for bad in (GOOD[:, :, :6], GOOD + 1j, np.full(GOOD.shape, np.nan, np.float32)):
    with pytest.raises(ValueError, match="SphericalBatchNorm input"):
      norm.apply(variables, bad, train=False)
  # Integers are cast to float32, as everywhere in the sphere library.
  assert norm.apply(variables, GOOD.astype(np.int32), train=False).dtype == np.float32


@pytest.mark.parametrize("layer,kwargs,message", [
    (enn.SphericalConv(0), {}, r"SphericalConv: features must be an integer >= 1, got 0"),
    (enn.SphericalConv(4, num_anchors=0), {}, r"num_anchors must be an integer >= 1, got 0"),
    (enn.SphericalConv(4, bandwidth=2.5), {},
     r"SphericalConv: bandwidth must be None or an integer >= 1, got 2\.5"),
    (enn.SphericalConv(4, bandwidth=0), {}, r"bandwidth must be None or an integer >= 1, got 0"),
    (enn.SphericalBatchNorm(momentum=1.5), {"train": True}, r"momentum must be in \[0, 1\]"),
    (enn.SphericalBatchNorm(epsilon=0.0), {"train": True}, r"epsilon must be > 0"),
    (enn.ResidualBlock(0), {"train": False}, r"ResidualBlock: features must be an integer >= 1"),
    (enn.ResidualBlock(4, pooling=1.5), {"train": False}, r"pooling must be an integer >= 1"),
    (enn.ResidualBlock(4, pooling=3), {"train": False}, r"pooling factor 3 must .* divide the input "
                                                         r"bandwidth 4"),
    (enn.ResidualBlock(4, pooling_mode="max"), {"train": False}, r"pooling mode must be one of"),
    (enn.ResidualBlock(4, activation="tanh"), {"train": False}, r"unknown activation 'tanh'"),
])
def test_bad_attributes(layer, kwargs, message):
  with pytest.raises(ValueError, match=message):
    layer.init(KEY, GOOD, **kwargs)


@pytest.mark.parametrize("call,message", [
    (lambda: enn.spectral_pool(GOOD, 2.5), r"bandwidth must be an integer in \[1, 4\].*got 2\.5"),
    (lambda: enn.spectral_pool(GOOD, 5), r"bandwidth must be an integer in \[1, 4\].*got 5"),
    (lambda: enn.area_pool(np.ones((6, 6, 1), np.float32)), r"even bandwidth"),
    (lambda: enn.resize_coefficients(np.ones((4, 6, 1), np.complex64), 2),
     r"coeffs must have shape \(\.\.\., b, 2b-1, C\).*\(4, 6, 1\)"),
    (lambda: enn.resize_coefficients(np.ones((4, 7, 1), np.complex64), 0),
     r"bandwidth must be an integer >= 1, got 0"),
    (lambda: enn.activation("tanh"), r"unknown activation 'tanh'; expected one of"),
])
def test_bad_function_arguments(call, message):
  with pytest.raises(ValueError, match=message):
    call()


def test_shape_checks_run_under_jit_and_value_checks_do_not():
  conv = enn.SphericalConv(4, num_anchors=2)
  variables = conv.init(KEY, GOOD)
  apply = jax.jit(conv.apply)
  with pytest.raises(ValueError, match="SphericalConv input must have shape"):
    apply(variables, GOOD[:, :, :6])
  with pytest.raises(ValueError, match="SphericalConv: input has 2 channels"):
    apply(variables, GOOD[..., :2])
  assert np.isnan(apply(variables, np.full(GOOD.shape, np.nan, np.float32))).all()
