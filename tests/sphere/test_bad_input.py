"""Bad input at every public entry point of the sphere core: a ValueError naming the argument.

Shapes, dtypes and batch axes are checked also under jit (at trace time); NaN/inf and whether a
matrix is a rotation only outside jit (sphere.checks). Grids are 8 × 8 (b = 4): most cases fail
before anything compiles.
"""

import hypothesis
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import strategies as st

from equivariant_embeddings import sphere
from equivariant_embeddings.sphere import checks
from equivariant_embeddings.sphere import so3

B = 4
GRID = (2 * B, 2 * B, 2)  # (2b, 2b, C)
SPECTRUM = (B, 2 * B - 1, 2)  # (b, 2b-1, C)

# Each entry point that takes a spatial signal, called with the signal as argument `name`.
SPATIAL_ENTRY_POINTS = {
    "forward_sht": ("x", lambda x: sphere.forward_sht(x)),
    "rotate_spherical": ("x", lambda x: sphere.rotate_spherical(x, np.eye(3))),
    "so3_correlation f": ("f", lambda x: sphere.so3_correlation(x, np.ones(GRID, np.float32))),
    "so3_correlation g": ("g", lambda x: sphere.so3_correlation(np.ones(GRID, np.float32), x)),
    "best_rotation f": ("f", lambda x: sphere.best_rotation(x, np.ones(GRID, np.float32))),
    "best_rotation g": ("g", lambda x: sphere.best_rotation(np.ones(GRID, np.float32), x)),
}
SPECTRAL_ENTRY_POINTS = {
    "inverse_sht": lambda c: sphere.inverse_sht(c),
    "rotate_coefficients": lambda c: sphere.rotate_coefficients(c, np.eye(3)),
}
ROTATION_ENTRY_POINTS = {
    "rotate_spherical": lambda r: sphere.rotate_spherical(np.ones(GRID, np.float32), r),
    "rotate_coefficients": lambda r: sphere.rotate_coefficients(np.ones(SPECTRUM, np.complex64), r),
    "wigner_D": lambda r: sphere.wigner_D(2, r),
}

BAD_SIGNALS = {  # what, array, what the message must say
    "rank 2": (np.ones((8, 8), np.float32), r"\(\.\.\., 2b, 2b, C\).*got shape \(8, 8\)"),
    "not square": (np.ones((8, 6, 1), np.float32), r"\(\.\.\., 2b, 2b, C\)"),
    "odd grid": (np.ones((7, 7, 1), np.float32), r"\(\.\.\., 2b, 2b, C\)"),
    "zero grid": (np.ones((0, 0, 1), np.float32), r"b >= 1"),
    "channels last, grid first": (np.ones((2, 8, 8), np.float32), r"\(\.\.\., 2b, 2b, C\)"),
    "empty batch": (np.ones((0,) + GRID, np.float32), r"empty \(shape \(0, 8, 8, 2\)\)"),
    "no channels": (np.ones((8, 8, 0), np.float32), r"empty"),
    "complex": (np.ones(GRID, np.complex64), "must be real"),
    "bool": (np.ones(GRID, bool), "boolean"),
    "float16": (np.ones(GRID, np.float16), "float16"),
    "NaN": (np.full(GRID, np.nan, np.float32), "NaN or inf"),
    "inf": (np.full(GRID, np.inf, np.float32), "NaN or inf"),
    "string": ("not an array", "must be a real array"),
    "None": (None, "must be a real array"),
}


@pytest.mark.parametrize("entry", SPATIAL_ENTRY_POINTS)
@pytest.mark.parametrize("case", BAD_SIGNALS)
def test_bad_signals_raise_value_error_naming_the_argument(entry, case):
  name, call = SPATIAL_ENTRY_POINTS[entry]
  array, message = BAD_SIGNALS[case]
  with pytest.raises(ValueError, match=message) as error:
    call(array)
  assert str(error.value).startswith(name) or f" {name} " in str(error.value)


@pytest.mark.parametrize("entry", SPECTRAL_ENTRY_POINTS)
@pytest.mark.parametrize("array,message", [
    (np.ones((4, 8, 1), np.complex64), r"coeffs must have shape \(\.\.\., b, 2b-1, C\)"),
    (np.ones((7,), np.complex64), r"coeffs must have shape"),
    (np.ones((0, 1, 1), np.complex64), r"coeffs must have shape.*b >= 1"),
    (np.ones((0,) + SPECTRUM, np.complex64), r"coeffs is empty"),
    (np.ones(SPECTRUM, bool), r"coeffs must be complex coefficients.*boolean"),
    (np.full(SPECTRUM, np.nan, np.complex64), r"coeffs contains NaN or inf"),
    (None, r"coeffs must be complex coefficients"),
])
def test_bad_coefficients(entry, array, message):
  with pytest.raises(ValueError, match=message):
    SPECTRAL_ENTRY_POINTS[entry](array)


@pytest.mark.parametrize("entry", ROTATION_ENTRY_POINTS)
@pytest.mark.parametrize("matrix,message", [
    (np.eye(2), r"rotation must be real rotation matrices of shape \(\.\.\., 3, 3\)"),
    (np.eye(4), r"\(\.\.\., 3, 3\)"),
    (np.ones(3), r"\(\.\.\., 3, 3\)"),
    (np.zeros((0, 3, 3)), r"rotation is empty"),
    (np.eye(3, dtype=bool), r"rotation must be real rotation matrices.*boolean"),
    (np.eye(3) + 0j, r"\(\.\.\., 3, 3\)"),
    (np.full((3, 3), np.nan), r"rotation contains NaN or inf"),
    (np.zeros((3, 3)), r"rotation is not a rotation matrix.*det = 0\b"),
    (np.diag([1.0, 1.0, -1.0]), r"rotation is not a rotation matrix.*det = -1\b"),
    (np.diag([1.0, 2.0, 1.0]), r"rotation is not a rotation matrix.*max \|RᵀR − I\| = 3\.00e\+00"),
])
def test_bad_rotations(entry, matrix, message):
  with pytest.raises(ValueError, match=message):
    ROTATION_ENTRY_POINTS[entry](matrix)


def test_rotation_error_reports_the_real_determinant():
  # The check used to print min(det, 1): "min det = 1.000" for 2·I, whose det is 8.
  with pytest.raises(ValueError, match=r"det = 8\b") as error:
    sphere.rotate_spherical(np.ones(GRID, np.float32), 2 * np.eye(3))
  assert "1.000" not in str(error.value)
  # In a batch, the worst matrix is named with its own numbers.
  batch = np.stack([np.eye(3), 0.5 * np.eye(3), np.eye(3)])
  with pytest.raises(ValueError, match=r"rotation\[1\] has .*det = 0\.125 \(1 of 3 matrices"):
    sphere.wigner_D(2, batch)


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(scale=st.floats(0.2, 5.0).filter(lambda s: abs(s - 1) > 1e-3),
                  angles=st.tuples(*[st.floats(-np.pi, np.pi)] * 3),
                  reflect=st.booleans())
def test_scaled_or_reflected_rotations_are_rejected_with_their_determinant(scale, angles, reflect):
  matrix = np.asarray(sphere.euler_to_matrix(*angles), np.float64) * scale
  if reflect:
    matrix = matrix @ np.diag([1.0, 1.0, -1.0])
  det = np.linalg.det(matrix)
  with pytest.raises(ValueError, match="rotation is not a rotation matrix") as error:
    checks.rotation(matrix)
  reported = float(str(error.value).split("det = ")[1].split()[0])
  assert reported == pytest.approx(det, rel=1e-3)


@pytest.mark.parametrize("call", [sphere.so3_correlation, sphere.best_rotation])
def test_pairs_whose_batch_axes_do_not_broadcast(call):
  # These failed inside opt_einsum ("Size of label 'e' for operand 1 (2) does not match ...").
  f, g = np.ones((2, 8, 8, 3), np.float32), np.ones((3, 8, 8, 3), np.float32)
  with pytest.raises(ValueError, match=r"batch\) axes of f and g must broadcast.*f of shape "
                                       r"\(2, 8, 8, 3\).*g of shape \(3, 8, 8, 3\)"):
    call(f, g)


@pytest.mark.parametrize("call,name,signal", [
    (sphere.rotate_spherical, "x", np.ones((2,) + GRID, np.float32)),
    (sphere.rotate_coefficients, "coeffs", np.ones((2,) + SPECTRUM, np.complex64)),
])
def test_rotations_whose_batch_axes_do_not_fit_the_signals(call, name, signal):
  rotations = np.broadcast_to(np.eye(3), (3, 3, 3))
  with pytest.raises(ValueError, match=rf"axes of {name} and rotation must broadcast.*\(3, 3, 3\)"):
    call(signal, rotations)


batch_axes = st.lists(st.integers(1, 3), max_size=3).map(tuple)


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(f_batch=batch_axes, g_batch=batch_axes)
def test_pair_check_accepts_exactly_the_broadcastable_batches(f_batch, g_batch):
  # Traced only (eval_shape): the check runs at trace time, and nothing compiles.
  f, g = (jax.ShapeDtypeStruct(batch + GRID, jnp.float32) for batch in (f_batch, g_batch))
  check = lambda f, g: so3._check_pair(f, g)[:2]
  try:
    expected = np.broadcast_shapes(f_batch, g_batch)
  except ValueError:
    with pytest.raises(ValueError, match="f and g must broadcast"):
      jax.eval_shape(check, f, g)
  else:
    jax.eval_shape(check, f, g)
    assert checks.batch_shape(f, "f", 3, g, "g", 3) == expected


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(shape=st.lists(st.integers(0, 9), min_size=0, max_size=5).map(tuple))
def test_spatial_check_on_any_shape(shape):
  # Either a valid (..., 2b, 2b, C) grid, or a ValueError that names the argument.
  valid = (len(shape) >= 3 and shape[-3] == shape[-2] and shape[-3] % 2 == 0 and shape[-3] >= 2
           and 0 not in shape)
  x = jax.ShapeDtypeStruct(shape, jnp.float32)
  check = lambda x: checks.spatial(x, "signal")[0]
  if valid:
    assert jax.eval_shape(check, x).shape == shape
  else:
    with pytest.raises(ValueError, match=r"^signal "):
      jax.eval_shape(check, x)


def test_integers_are_cast_to_float32():
  x = np.arange(np.prod(GRID)).reshape(GRID) % 5
  coeffs = sphere.forward_sht(x.astype(np.int32))
  assert coeffs.dtype == jnp.complex64
  np.testing.assert_array_equal(coeffs, sphere.forward_sht(x.astype(np.float32)))
  assert sphere.rotate_spherical(x.astype(np.int8), np.eye(3, dtype=int)).dtype == jnp.float32


def test_shape_checks_run_under_jit_and_value_checks_do_not():
  with pytest.raises(ValueError, match=r"x must have shape"):
    jax.jit(sphere.forward_sht)(np.ones((8, 6, 1), np.float32))
  with pytest.raises(ValueError, match="boolean"):
    jax.jit(sphere.forward_sht)(np.ones(GRID, bool))
  with pytest.raises(ValueError, match="f and g must broadcast"):
    jax.jit(sphere.so3_correlation)(np.ones((2,) + GRID, np.float32),
                                    np.ones((3,) + GRID, np.float32))
  # Values are unknown at trace time: NaN and non-rotations pass through jit unchecked.
  assert np.isnan(jax.jit(sphere.forward_sht)(np.full(GRID, np.nan, np.float32))).all()
  jax.jit(sphere.rotate_spherical)(np.ones(GRID, np.float32), 2 * np.eye(3))


@pytest.mark.parametrize("call,message", [
    (lambda: sphere.so3_correlation(np.ones(GRID), np.ones(GRID), grid_bandwidth=2),
     "grid_bandwidth must be >= the signals' bandwidth b = 4"),
    (lambda: sphere.best_rotation(np.ones(GRID), np.ones(GRID), grid_bandwidth=4.5),
     "grid_bandwidth must be an integer >= 1, got 4.5"),
    (lambda: sphere.so3_correlation(np.ones(GRID), np.ones((8, 8, 3))),
     r"f and g must share bandwidth and channels.*\(8, 8, 2\) and \(8, 8, 3\)"),
    (lambda: sphere.colatitudes(0), "bandwidth must be an integer >= 1, got 0"),
    (lambda: sphere.quadrature_weights(2.0), "bandwidth must be an integer >= 1, got 2.0"),
    (lambda: sphere.area_weights(True), "bandwidth must be an integer >= 1, got True"),
    (lambda: sphere.wigner_d(-1, 0.5), "l_max must be an integer >= 0, got -1"),
    (lambda: sphere.wigner_delta(1.5), "l_max must be an integer >= 0, got 1.5"),
    (lambda: sphere.random_rotations(jax.random.PRNGKey(0), -1),
     "n must be an integer >= 0, got -1"),
    (lambda: sphere.random_rotations(jax.random.PRNGKey(0), 2.0),
     "n must be an integer >= 0, got 2.0"),
    (lambda: sphere.rotation_angle_deg(np.zeros((2, 3, 3)), np.zeros((3, 3, 3))),
     r"leading \(batch\) axes of r1 and r2 must broadcast"),
])
def test_bad_scalar_arguments(call, message):
  with pytest.raises(ValueError, match=message):
    call()
