"""Relative pose from equivariant embeddings: the public entry points (docs/conventions.md,
'Relative pose' and 'SO(3) correlation').

An embedding E maps a view of an object to spherical maps that rotate with it: E(view of R·M) ≈
R·E(view of M). The relative pose of two views is then the rotation R maximising the SO(3)
correlation Σ_c ⟨R·E(a)_c, E(b)_c⟩ (`sphere.best_rotation`: exact correlation on a grid, Newton
refinement on its trigonometric polynomial); it takes the object in view a to its pose in view b,
R_b R_aᵀ for object rotations R_a, R_b (docs/conventions.md, 'Relative pose').

Two confidences of an estimate (`CONFIDENCES`), both in units of the two embeddings' band-limited
norms ‖E(a)‖‖E(b)‖:
- "peak": the correlation peak, i.e. the cosine between R·E(a) and E(b), at most 1 by Cauchy–Schwarz
  (1 when one is exactly the rotated other);
- "margin": the best peak minus the best peak more than MARGIN_SEPARATION_DEG away from it (the
  runner-up of `sphere.top_rotations`), in [0, 2]. A symmetric object seen flipped has two near-equal
  peaks, a high cosine and a small margin.

Checks: shapes and dtypes are checked always (also at trace time under jit and vmap); NaN/inf and
the pixel range only on concrete arrays, i.e. outside jit.
"""

import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings import sphere

ACCURACY_THRESHOLDS_DEG = (15.0, 30.0)
CONFIDENCES = ("peak", "margin")
# The runner-up peak of the margin is at least this far from the best: wider than a peak (a few
# grid steps) and narrower than the half-turn ambiguity of symmetric objects.
MARGIN_SEPARATION_DEG = 30.0


def prepare_images(images, image_size: int, name: str = "images"):
  """Checks views and brings them to the embedding network's input layout.

  Args:
    images: (S, S), (S, S, 1), (N, S, S) or (N, S, S, 1); float in [0, 1] (as the builders render
      them) or uint8 in 0–255. S = image_size.
    image_size: S.
    name: the argument's name in error messages.

  Returns:
    (float32 (N, S, S, 1), batched): N = 1 and batched False for a single image.

  Raises:
    ValueError: another shape, a bool/int/complex dtype other than uint8, NaN/inf, or float pixels
      outside [0, 1] (values are checked outside jit only).
  """
  if not hasattr(images, "shape") or not hasattr(images, "dtype"):
    images = np.asarray(images)
  shape, s = tuple(images.shape), image_size
  if shape in ((s, s), (s, s, 1)):
    batched = False
  elif len(shape) in (3, 4) and shape[1:3] == (s, s) and shape[3:] in ((), (1,)) and shape[0]:
    batched = True
  else:
    raise ValueError(f"{name} must be one grayscale view (S, S) or (S, S, 1), or a batch (N, S, S) "
                     f"or (N, S, S, 1) with N >= 1, with S = {s}; got shape {shape}")
  dtype = jnp.dtype(images.dtype)
  if dtype == jnp.uint8:
    images = jnp.asarray(images, jnp.float32) / 255.0
  elif jnp.issubdtype(dtype, jnp.floating):
    images = jnp.asarray(images, jnp.float32)
  else:
    raise ValueError(f"{name} must be float in [0, 1] or uint8 in 0–255; got dtype {dtype}")
  if not isinstance(images, jax.core.Tracer):
    values = np.asarray(images)
    if not np.isfinite(values).all():
      raise ValueError(f"{name} contain NaN or inf pixels")
    if values.size and (values.min() < 0.0 or values.max() > 1.0):
      raise ValueError(f"{name} must lie in [0, 1] (or be uint8 0–255); got values from "
                       f"{values.min():g} to {values.max():g}")
  return images.reshape((-1, s, s, 1)), batched


def _paired_views(img_a, img_b, image_size: int):
  """(a (N_a, S, S, 1), b (N_b, S, S, 1), whether either was a batch); N_a = N_b for two batches."""
  a, batched_a = prepare_images(img_a, image_size, "img_a")
  b, batched_b = prepare_images(img_b, image_size, "img_b")
  if batched_a and batched_b and a.shape[0] != b.shape[0]:
    raise ValueError(f"img_a and img_b are batches of different sizes, {a.shape[0]} and "
                     f"{b.shape[0]}: pass batches of the same size, or a single view for either")
  return a, b, batched_a or batched_b


def embedding_norms(maps):
  """‖f‖ of the band-limited part of maps (..., 2b, 2b, C), summed over channels: (...)."""
  coeffs = sphere.forward_sht(maps)
  return jnp.sqrt(jnp.sum(jnp.abs(coeffs) ** 2, axis=(-3, -2, -1)))


def align(f, g, top_k: int | None = None, grid_bandwidth: int | None = None,
          confidence: str = "peak"):
  """The rotation R with R·f ≈ g, and its confidence.

  Args:
    f, g: real (..., 2b, 2b, C) spherical maps (embeddings, or features of spherical maps);
      leading axes broadcast.
    top_k: None for the best rotation; k for the k best distinct local maxima
      (`sphere.top_rotations`).
    grid_bandwidth: the search grid (2·grid_bandwidth points per Euler angle; default 2b).
    confidence: one of CONFIDENCES (module docstring); "margin" needs top_k None.

  Returns:
    (rotation (..., 3, 3), confidence (...)) or, with top_k, ((..., k, 3, 3), (..., k)). The
    "peak" confidence is peak / (‖f‖ ‖g‖) in [−1, 1]; missing hypotheses (fewer than k maxima) have
    −inf. The "margin" is in [0, 2].
  """
  if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
    raise ValueError(f"top_k must be None or an integer >= 1, got {top_k!r}")
  check_confidence(confidence, top_k)
  if confidence == "margin":
    rotation, peak, margin = align_with_margin(f, g, grid_bandwidth)
    return rotation, margin
  if top_k is None:
    rotation, peak = sphere.best_rotation(f, g, grid_bandwidth)
  else:
    rotation, peak = sphere.top_rotations(f, g, top_k, grid_bandwidth=grid_bandwidth)
  norms = embedding_norms(f) * embedding_norms(g)
  if top_k is not None:
    norms = norms[..., None]
  return rotation, peak / jnp.maximum(norms, jnp.finfo(norms.dtype).tiny)


def align_with_margin(f, g, grid_bandwidth: int | None = None):
  """The best rotation R with R·f ≈ g and both confidences (module docstring).

  Args:
    f, g: real (..., 2b, 2b, C) spherical maps; leading axes broadcast.
    grid_bandwidth: the search grid (default 2b).

  Returns:
    (rotation (..., 3, 3), peak (...) in [−1, 1], margin (...) in [0, 2]). With no second peak
    farther than MARGIN_SEPARATION_DEG, the runner-up counts as −1 (the lowest a cosine can be).
  """
  rotations, peaks = sphere.top_rotations(f, g, 2, MARGIN_SEPARATION_DEG, grid_bandwidth)
  norms = embedding_norms(f) * embedding_norms(g)
  cosines = peaks / jnp.maximum(norms, jnp.finfo(norms.dtype).tiny)[..., None]
  runner_up = jnp.maximum(cosines[..., 1], -1.0)  # −inf when missing
  return rotations[..., 0, :, :], cosines[..., 0], cosines[..., 0] - runner_up


def check_confidence(confidence: str, top_k: int | None = None) -> None:
  """ValueError unless `confidence` is one of CONFIDENCES and, for "margin", top_k is None."""
  if confidence not in CONFIDENCES:
    raise ValueError(f"confidence must be one of {CONFIDENCES}, got {confidence!r}")
  if confidence == "margin" and top_k is not None:
    raise ValueError(f"confidence must be one of {CONFIDENCES}, and 'margin' ranks single "
                     f"estimates: use top_k=None (got top_k={top_k!r})")


def relative_pose(embed, img_a, img_b, *, image_size: int, top_k: int | None = None,
                  grid_bandwidth: int | None = None, confidence: str = "peak"):
  """The rotation that takes the object in img_a to its pose in img_b, from its embeddings.

  Args:
    embed: a function from views (N, S, S, 1) float32 to embeddings (N, 2b, 2b, C), e.g. a trained
      embedding network in inference mode (`experiments.export.load_relative_pose` binds one).
    img_a, img_b: single views (S, S) / (S, S, 1) or batches (N, S, S[, 1]), float in [0, 1] or
      uint8 0–255 (`prepare_images`). A single view against a batch is paired with every view of
      it; two batches need the same N.
    image_size: S, the embedding network's input size.
    top_k: None for the best rotation, or the number of distinct hypotheses (symmetric objects
      can have their best match 180° away from the truth).
    grid_bandwidth: the correlation's search grid (default 2b of the embeddings).
    confidence: "peak" (a cosine in [−1, 1]) or "margin" (over the runner-up peak, in [0, 2];
      single estimates only), see CONFIDENCES.

  Returns:
    (rotation, confidence): (3, 3) and () for two single views, (N, 3, 3) and (N,) otherwise;
    with top_k an extra axis of length k before the matrix axes, best first. rotation ≈ R_b R_aᵀ.
  """
  a, b, batched = _paired_views(img_a, img_b, image_size)
  embeddings = embed(jnp.concatenate([a, b]))
  if embeddings.ndim != 4 or embeddings.shape[0] != a.shape[0] + b.shape[0]:
    raise ValueError(f"embed must map (N, S, S, 1) views to (N, 2b, 2b, C) maps; got "
                     f"{embeddings.shape} for {a.shape[0] + b.shape[0]} views")
  rotation, score = align(embeddings[:a.shape[0]], embeddings[a.shape[0]:], top_k, grid_bandwidth,
                          confidence)
  return (rotation, score) if batched else (rotation[0], score[0])


def relative_pose_from_poses(predict_poses, img_a, img_b, *, image_size: int):
  """Relative pose from two absolutely regressed poses, R̂_b R̂_aᵀ (the regression baseline).

  Args:
    predict_poses: views (N, S, S, 1) float32 -> rotations (N, 3, 3) of the objects.
    img_a, img_b, image_size: as for `relative_pose`.

  Returns:
    (rotation, confidence) shaped as `relative_pose`'s; the confidence is NaN (a regressor has
    none).
  """
  a, b, batched = _paired_views(img_a, img_b, image_size)
  poses = predict_poses(jnp.concatenate([a, b]))
  rotation = poses[a.shape[0]:] @ jnp.swapaxes(poses[:a.shape[0]], -1, -2)
  confidence = jnp.full(rotation.shape[:-2], jnp.nan, rotation.dtype)
  return (rotation, confidence) if batched else (rotation[0], confidence[0])


def error_summary(errors_deg, thresholds=ACCURACY_THRESHOLDS_DEG) -> dict:
  """The paper's pose metrics of angular errors (N,) in degrees: {"median": °, "acc@15": fraction
  at most 15°, "acc@30": ..., "count": N}; NaN metrics for no errors, ValueError for NaN errors."""
  errors = np.asarray(errors_deg, np.float64).reshape(-1)
  if np.isnan(errors).any():
    raise ValueError(f"errors_deg holds {int(np.isnan(errors).sum())} NaN values")
  summary = {"median": float(np.median(errors)) if errors.size else float("nan"),
             "count": int(errors.size)}
  for threshold in thresholds:
    summary[f"acc@{threshold:g}"] = float(np.mean(errors <= threshold)) if errors.size else float(
        "nan")
  return summary
