"""Wigner matrices against Wigner's explicit sum, SymPy, group laws and rotated harmonics."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from equivariant_embeddings import sphere
from equivariant_embeddings.sphere import wigner
from tests.sphere import reference


@pytest.mark.parametrize("l", range(9))
def test_delta_matches_explicit_sum(l):
  # The explicit sum loses ~ℓ digits to cancellation of factorials; 1e-13 holds to ℓ = 8.
  np.testing.assert_allclose(wigner.wigner_delta_degree(l), reference.wigner_d_matrix(l, np.pi / 2),
                             atol=1e-13)


def test_delta_matches_sympy_exactly():
  sympy = pytest.importorskip("sympy")
  from sympy.physics.wigner import wigner_d_small  # pylint: disable=import-outside-toplevel
  for l in (1, 2, 3):
    exact = np.array(wigner_d_small(l, sympy.pi / 2).evalf(30), dtype=np.float64)
    np.testing.assert_allclose(wigner.wigner_delta_degree(l), exact, atol=1e-15)


def test_wigner_d_matches_explicit_sum_at_random_angles():
  rng = np.random.default_rng(0)
  betas = rng.uniform(0, np.pi, size=3)
  with jax.enable_x64(True):
    d = np.asarray(sphere.wigner_d(6, jnp.asarray(betas)))
  assert d.shape == (3, 7, 13, 13)
  for i, beta in enumerate(betas):
    for l in range(7):
      block = d[i, l, 6 - l : 7 + l, 6 - l : 7 + l]
      np.testing.assert_allclose(block, reference.wigner_d_matrix(l, beta), atol=1e-13)
      # Padding outside |m|, |n| ≤ ℓ is zero.
      assert np.abs(d[i, l]).sum() == pytest.approx(np.abs(block).sum())


def test_delta_table_is_cached_and_read_only():
  table = sphere.wigner_delta(5)
  assert table.shape == (6, 11, 11) and table.dtype == np.float64
  assert table is sphere.wigner_delta(5)
  with pytest.raises(ValueError):
    table[0, 0, 0] = 1.0


def test_orthogonality_at_degree_256():
  # Target: ‖d dᵀ − I‖_max ≤ 1e-12 at ℓ = 256 in float64, for Δ = d(π/2) and for d(β) built from it.
  delta = wigner.wigner_delta_degree(256)
  assert np.abs(delta @ delta.T - np.eye(513)).max() <= 1e-12
  with jax.enable_x64(True):
    d = np.asarray(wigner.d_from_delta(jnp.asarray(delta[None]), jnp.asarray(1.234)))[0]
  assert np.abs(d @ d.T - np.eye(513)).max() <= 1e-12


def test_wigner_D_is_a_representation():
  key1, key2 = jax.random.split(jax.random.PRNGKey(0))
  with jax.enable_x64(True):
    r1 = sphere.random_rotations(key1, 4, jnp.float64)
    r2 = sphere.random_rotations(key2, 4, jnp.float64)
    d1, d2 = sphere.wigner_D(5, r1), sphere.wigner_D(5, r2)
    d12 = sphere.wigner_D(5, r1 @ r2)
    product = jnp.einsum("...lmk,...lkn->...lmn", d1, d2)
    np.testing.assert_allclose(d12, product, atol=1e-12)
    # Unitary, and D(Rᵀ) = D(R)ᴴ.
    eye = np.broadcast_to(np.eye(11), d1.shape)
    mask = np.abs(np.asarray(sphere.wigner_D(5, jnp.eye(3, dtype=jnp.float64)))) > 0
    np.testing.assert_allclose(jnp.einsum("...lmk,...lnk->...lmn", d1, jnp.conj(d1)), eye * mask,
                               atol=1e-12)
    np.testing.assert_allclose(sphere.wigner_D(5, jnp.swapaxes(r1, -1, -2)),
                               jnp.conj(jnp.swapaxes(d1, -1, -2)), atol=1e-12)


def test_wigner_D_rotates_harmonics():
  # (R·Y_ℓn)(x) = Y_ℓn(Rᵀx) = Σ_m Y_ℓm(x) D^ℓ_mn(R), checked at random points with SciPy harmonics.
  rng = np.random.default_rng(1)
  points = rng.normal(size=(20, 3))
  points /= np.linalg.norm(points, axis=-1, keepdims=True)
  with jax.enable_x64(True):
    rot = np.asarray(sphere.random_rotations(jax.random.PRNGKey(3), 1, jnp.float64))[0]
    big_d = np.asarray(sphere.wigner_D(4, rot))
  for l in range(5):
    ys = np.stack([reference.harmonic_at(l, m, points) for m in range(-l, l + 1)], -1)
    rotated = np.stack([reference.harmonic_at(l, n, points @ rot) for n in range(-l, l + 1)], -1)
    np.testing.assert_allclose(rotated, ys @ big_d[l, 4 - l : 5 + l, 4 - l : 5 + l], atol=1e-12)


def test_wigner_D_at_gimbal_lock():
  # β = 0 and β = π, where Euler angles are degenerate: D must still be a representation.
  with jax.enable_x64(True):
    for beta in (0.0, np.pi):
      rot = sphere.euler_to_matrix(0.3, beta, 1.1)
      np.testing.assert_allclose(
          sphere.wigner_D(3, rot @ rot),
          jnp.einsum("lmk,lkn->lmn", sphere.wigner_D(3, rot), sphere.wigner_D(3, rot)), atol=1e-12)


def test_wigner_D_rejects_non_rotation():
  with pytest.raises(ValueError, match="not a rotation"):
    sphere.wigner_D(2, np.diag([1.0, 1.0, -1.0]))
  with pytest.raises(ValueError, match=r"\(\.\.\., 3, 3\)"):
    sphere.wigner_D(2, np.eye(4))
