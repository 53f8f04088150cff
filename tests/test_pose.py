"""relative_pose and align: a known answer from an oracle embedding, layouts, jit/vmap, bad input.

The oracle embedding of a view is the band-limited spherical map of a real mesh under the rotation
that made the view; here the rotation is written into the view's first nine pixels, so that a plain
JAX function can act as the embedding network and the exact answer R_b R_aᵀ is known.
"""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import data_pipelines
from equivariant_embeddings import pose
from equivariant_embeddings import sphere

SIZE = 16
B = 8
MESH = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "samples", "shapenet",
                    "chair")


@pytest.fixture(scope="module")
def base_map():
  """The band-limited distance map (2b, 2b, 2) of a ShapeNet chair (or a synthetic one)."""
  files = sorted(os.listdir(MESH)) if os.path.isdir(MESH) else []
  if files:
    mesh = data_pipelines.normalize_mesh(data_pipelines.load_mesh(os.path.join(MESH, files[0])))
  else:
    mesh = data_pipelines.normalize_mesh(data_pipelines.synthetic_shape("chair", 0))
  x = data_pipelines.spherical_map(mesh, B, ("distance", "hull_distance"))
  return np.asarray(sphere.band_limit(x), np.float32)


def encode(rotations):
  """Views (N, SIZE, SIZE, 1) in [0, 1] whose first 9 pixels hold (R + 1) / 2."""
  images = np.zeros((len(rotations), SIZE, SIZE, 1), np.float32)
  images[:, 0, :9, 0] = (np.asarray(rotations).reshape(-1, 9) + 1) / 2
  return images


def oracle(base):
  def embed(images):
    rotations = (2 * images[:, 0, :9, 0] - 1).reshape(-1, 3, 3)
    return sphere.rotate_spherical(jnp.broadcast_to(base, (len(images),) + base.shape), rotations)
  return embed


def test_relative_pose_recovers_known_rotations(base_map):
  r_a = np.asarray(sphere.random_rotations(jax.random.PRNGKey(0), 5))
  r_b = np.asarray(sphere.random_rotations(jax.random.PRNGKey(1), 5))
  rotation, confidence = pose.relative_pose(oracle(base_map), encode(r_a), encode(r_b),
                                            image_size=SIZE)
  assert rotation.shape == (5, 3, 3) and confidence.shape == (5,)
  errors = sphere.rotation_angle_deg(rotation, r_b @ np.swapaxes(r_a, 1, 2))
  # The rotations pass through float32 pixels (~1e-7) and the embedding is exactly rotated, so the
  # correlation peaks at the truth; Newton refinement lands on it to float32 precision (~1e-3°).
  assert float(errors.max()) < 0.01, errors
  np.testing.assert_allclose(confidence, 1.0, atol=1e-3)  # R·E(a) = E(b) exactly: cosine 1


def test_single_views_broadcast_against_batches(base_map):
  r = np.asarray(sphere.random_rotations(jax.random.PRNGKey(2), 3))
  embed = oracle(base_map)
  single, _ = pose.relative_pose(embed, encode(r[:1])[0], encode(r[1:2])[0, ..., 0], image_size=SIZE)
  assert single.shape == (3, 3)
  against_batch, _ = pose.relative_pose(embed, encode(r[:1])[0], encode(r), image_size=SIZE)
  assert against_batch.shape == (3, 3, 3)
  np.testing.assert_allclose(against_batch[1], single, atol=1e-4)
  with pytest.raises(ValueError, match="batches of different sizes, 3 and 2"):
    pose.relative_pose(embed, encode(r), encode(r[:2]), image_size=SIZE)


def test_jit_and_vmap_in_the_callers_code(base_map):
  r = np.asarray(sphere.random_rotations(jax.random.PRNGKey(3), 4))
  embed = oracle(base_map)
  eager, _ = pose.relative_pose(embed, encode(r[:2]), encode(r[2:]), image_size=SIZE)
  jitted, _ = jax.jit(lambda a, b: pose.relative_pose(embed, a, b, image_size=SIZE))(
      encode(r[:2]), encode(r[2:]))
  vmapped, _ = jax.vmap(lambda a, b: pose.relative_pose(embed, a, b, image_size=SIZE))(
      encode(r[:2]), encode(r[2:]))
  np.testing.assert_allclose(jitted, eager, atol=1e-4)
  np.testing.assert_allclose(vmapped, eager, atol=1e-4)


def test_uint8_views_are_scaled_to_the_unit_range():
  images = np.random.default_rng(0).integers(0, 256, (2, SIZE, SIZE, 1), dtype=np.uint8)
  prepared, batched = pose.prepare_images(images, SIZE)
  assert batched and prepared.dtype == jnp.float32
  np.testing.assert_allclose(prepared, images / 255.0, rtol=1e-6)


def test_top_k_hypotheses_of_a_symmetric_object(base_map):
  # A map symmetric under a half turn about z: its correlation has two equal maxima, 180° apart.
  half_turn = np.diag([-1.0, -1.0, 1.0]).astype(np.float32)
  symmetric = (base_map + np.asarray(sphere.rotate_spherical(base_map, half_turn))) / 2
  r = np.asarray(sphere.random_rotations(jax.random.PRNGKey(4), 2))
  rotations, confidences = pose.relative_pose(oracle(symmetric), encode(r[:1]), encode(r[1:]),
                                              image_size=SIZE, top_k=3)
  assert rotations.shape == (1, 3, 3, 3) and confidences.shape == (1, 3)
  truth = r[1] @ r[0].T
  alternative = r[1] @ half_turn @ r[0].T
  first_two = np.asarray(sphere.rotation_angle_deg(rotations[0, :2, None], np.stack(
      [truth, alternative])[None]))
  # Each of the two best hypotheses is one of the two equivalent answers, and they differ.
  assert sorted(first_two.min(axis=1)) == pytest.approx([0, 0], abs=0.05)
  assert first_two.argmin(axis=1).tolist() in ([0, 1], [1, 0])
  np.testing.assert_allclose(confidences[0, :2], 1.0, atol=1e-3)
  assert confidences[0, 2] < confidences[0, 1]


def test_error_summary():
  summary = pose.error_summary([1.0, 10.0, 20.0, 40.0])
  assert summary == {"median": 15.0, "count": 4, "acc@15": 0.5, "acc@30": 0.75}
  with pytest.raises(ValueError, match="NaN"):
    pose.error_summary([1.0, np.nan])


@pytest.mark.parametrize("top_k", [0, -1, 1.5, True])
def test_top_k_must_be_a_positive_integer(top_k):
  f = np.zeros((8, 8, 1), np.float32)
  with pytest.raises(ValueError, match="top_k must be None or an integer >= 1"):
    pose.align(f, f, top_k=top_k)


@pytest.mark.parametrize("images,match", [
    (np.zeros((SIZE, SIZE, 3), np.float32), "one grayscale view"),
    (np.zeros((0, SIZE, SIZE, 1), np.float32), "one grayscale view"),
    (np.zeros((2, SIZE + 1, SIZE + 1, 1), np.float32), "one grayscale view"),
    (np.zeros((2, SIZE, SIZE, 1), np.int32), "float in \\[0, 1\\] or uint8"),
    (np.zeros((2, SIZE, SIZE, 1), bool), "float in \\[0, 1\\] or uint8"),
    (np.full((2, SIZE, SIZE, 1), np.nan, np.float32), "NaN or inf"),
    (np.full((2, SIZE, SIZE, 1), 255.0, np.float32), "must lie in \\[0, 1\\]"),
])
def test_bad_views_name_the_argument(base_map, images, match):
  good = encode(np.eye(3)[None])
  with pytest.raises(ValueError, match="img_b.*" + match if "view" in match else match):
    pose.relative_pose(oracle(base_map), good, images, image_size=SIZE)
  with pytest.raises(ValueError, match=match):
    pose.relative_pose(oracle(base_map), images, good, image_size=SIZE)


def test_margin_is_small_for_a_half_turn_symmetric_map_and_large_otherwise():
  # f is invariant under the half turn about z (only even orders m): R·f ≈ g has two equal peaks
  # 180° apart, so the cosine is ~1 but the margin ~0. Breaking the symmetry (odd orders too)
  # leaves one peak: cosine ~1, margin large. The best rotation is best_rotation's either way.
  b = 8
  rng = np.random.default_rng(3)
  coeffs = rng.normal(size=(b, 2 * b - 1, 2)) + 1j * rng.normal(size=(b, 2 * b - 1, 2))
  orders = np.arange(-(b - 1), b)
  real = lambda c: np.asarray(sphere.inverse_sht(jnp.asarray(c, jnp.complex64))).real
  symmetric = real(np.where(orders[None, :, None] % 2 == 0, coeffs, 0))
  generic = real(coeffs)
  rotation = sphere.euler_to_matrix(0.3, 1.1, -0.4)
  for f, small in ((symmetric, True), (generic, False)):
    f = np.asarray(sphere.band_limit(jnp.asarray(f, jnp.float32)))
    g = sphere.rotate_spherical(f, rotation)
    estimate, peak, margin = pose.align_with_margin(f, g)
    assert float(sphere.rotation_angle_deg(estimate, rotation)) < 0.1 or small
    assert peak > 0.99
    if small:
      assert margin < 0.02
    else:
      assert margin > 0.3
    best, _ = pose.align(f, g)
    if not small:
      assert float(sphere.rotation_angle_deg(estimate, best)) < 1e-2
    _, confidence = pose.align(f, g, confidence="margin")
    np.testing.assert_allclose(confidence, margin, atol=1e-6)
  with pytest.raises(ValueError, match="confidence must be one of"):
    pose.align(f, g, confidence="entropy")
  with pytest.raises(ValueError, match="use top_k=None"):
    pose.align(f, g, top_k=2, confidence="margin")
