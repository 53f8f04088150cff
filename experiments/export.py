"""Trained models for inference, rebuilt from a workdir alone (config.json + checkpoints/).

  extract = load_feature_extractor("/tmp/scnn", "block_3")
  targets = extract(spheres)  # (batch, 2b, 2b, C) -> (batch, 2b_k, 2b_k, C_k)

  relative_pose = load_relative_pose("/tmp/embed")
  rotation, confidence = relative_pose(img_a, img_b)  # (S, S) or (N, S, S[, 1]) images

Loading needs no optimizer, no trainer and no dataset: only the stage's model side
(`stages.protocol.InferenceStage`) and the checkpoint's variables, read by `stages.trained`.
"""

import jax
import numpy as np

from equivariant_embeddings import pose
from experiments.stages import trained
from experiments.workdir import templates_file


def load_variables(workdir: str, step: int | None = None):
  """(model, variables) of the checkpoint at `step` (default: the latest) in `workdir`
  (`stages.trained.load_trained`, for callers that need no step)."""
  model, variables, _ = trained.load_trained(workdir, step)
  return model, variables


def feature_function(stage, variables, layer: str):
  """A jitted extract(x) of the stage's output `layer`, with the input checked at the boundary.

  extract(x): x float32 (batch, *stage.input_shape) -> the layer's output, computed as in evaluation.
  ValueError for an unknown layer, a wrong input shape, or NaN/inf input outside jit (`extract` may
  also be called inside the caller's jitted code, where only the shape is checked).
  """
  if layer not in stage.feature_names:
    raise ValueError(f"unknown layer {layer!r}; the model has {sorted(stage.feature_names)}")
  features_fn = jax.jit(stage.features, static_argnames="layer")
  input_shape = tuple(stage.input_shape)

  def extract(x):
    if not hasattr(x, "shape") or x.ndim != len(input_shape) + 1 or tuple(x.shape[1:]) != input_shape:
      raise ValueError(f"expected inputs of shape (batch, {', '.join(map(str, input_shape))}), got "
                       f"{getattr(x, 'shape', type(x))}")
    if not isinstance(x, jax.core.Tracer) and not np.isfinite(np.asarray(x)).all():
      raise ValueError("inputs contain NaN or inf values")
    return features_fn(variables, x, layer=layer)

  return extract


def load_feature_extractor(workdir: str, layer: str, step: int | None = None):
  """A jitted function returning the output `layer` of the model trained in `workdir`.

  Args:
    workdir: a training workdir (written by experiments.train).
    layer: a feature name of the model, e.g. "block_3" for the spherical CNN (ValueError lists the
      valid ones), "embedding" for the embedding network.
    step: the checkpoint step (default: the latest).

  Returns:
    extract(x): for the spherical CNN, x float32 (batch, 2b, 2b, C) maps as in the training data ->
    (batch, 2b_k, 2b_k, C_k), computed like in training (maps band-limited to degrees < b), batch
    norm in inference mode (running statistics). See `feature_function` for the checks.
  """
  stage, variables = load_variables(workdir, step)
  return feature_function(stage, variables, layer)


def load_relative_pose(workdir: str, step: int | None = None, top_k: int | None = None,
                       grid_bandwidth: int | None = None, confidence: str = "peak"):
  """`relative_pose(img_a, img_b)` with the embedding network trained in `workdir` (an embed stage),
  or with the pose-regression baseline (a regression stage: R̂_b R̂_aᵀ, confidence NaN).

  Args:
    workdir: an embed or regression training workdir.
    step: the checkpoint step (default: the latest).
    top_k: None for the single best rotation, or the number of distinct hypotheses to return.
    grid_bandwidth: the correlation's search grid (`pose.relative_pose`; default 2b).
    confidence: "peak" or "margin" (`equivariant_embeddings.pose`, CONFIDENCES).

  Returns:
    relative_pose(img_a, img_b) -> (rotation, confidence): images (S, S), (S, S, 1) or batches
    (N, S, S[, 1]), float in [0, 1] (uint8 0–255 accepted); rotation (..., 3, 3) takes the object in
    img_a to its pose in img_b, confidence (...) in [−1, 1] ("margin": [0, 2]); with top_k,
    (..., k, 3, 3) and (..., k).
    It can be jitted and vmapped inside the caller's code. See `equivariant_embeddings.pose`.
    Its attribute `image_size` is S, the size of the model's views.
  """
  stage, variables, _ = trained.load_trained(workdir, step, kind=("embed", "regression"))
  image_size = stage.input_shape[0]
  if stage.config.stage == "regression":  # R̂_b R̂_aᵀ
    if top_k is not None:
      raise ValueError("top_k needs an embedding network; a regression workdir gives one pose")
    poses = lambda images: stage.features(variables, images, "rotation")
    estimate = jax.jit(lambda a, b: pose.relative_pose_from_poses(poses, a, b,
                                                                  image_size=image_size))
  else:
    embed = lambda images: stage.features(variables, images, "embedding")
    pose.check_confidence(confidence, top_k)  # at load time, not at the first (jitted) call
    estimate = jax.jit(lambda a, b: pose.relative_pose(
        embed, a, b, image_size=image_size, top_k=top_k, grid_bandwidth=grid_bandwidth,
        confidence=confidence))

  def relative_pose(img_a, img_b):
    # Values (NaN, pixel range) can only be checked here, before jit; shapes are checked in both.
    pose.prepare_images(img_a, image_size, "img_a")
    pose.prepare_images(img_b, image_size, "img_b")
    # Nested lists would reach jit as pytrees of Python numbers: arrays first.
    as_array = lambda images: images if hasattr(images, "shape") else np.asarray(images)
    return estimate(as_array(img_a), as_array(img_b))

  relative_pose.image_size = image_size
  return relative_pose


def _embedding_network(workdir: str, step: int | None, with_phi: bool = False):
  """(embed model, embed(views) -> embeddings) of the checkpoint at `step` in an embed workdir;
  with_phi: Φ loaded too, for the model's `targets`."""
  stage, variables, _ = trained.load_trained(workdir, step, kind="embed", with_inputs=with_phi)
  return stage, lambda images: stage.features(variables, images, "embedding")


def load_image_to_mesh(workdir: str, step: int | None = None, top_k: int | None = None):
  """Image-to-mesh alignment with the embedding network in `workdir` and the Φ it regresses.

  Returns:
    align(images, spheres) -> (rotation, confidence): views as for `load_relative_pose` and
    spherical maps (2b, 2b, C) or (N, 2b, 2b, C) of meshes as the training data holds them
    (`data_pipelines.spherical_map`); rotation (..., 3, 3) takes the object in the view to the
    pose of the mesh in its map: R·E(view) ≈ Φ_k(map), normalised as E's targets (the paper's
    Table 4). With top_k, (..., k, 3, 3) and (..., k).
  """
  stage, embed = _embedding_network(workdir, step, with_phi=True)
  sphere_shape = (2 * stage.config.data.builder.bandwidth,) * 2 + (
      len(stage.config.data.builder.channels),)
  correlate = jax.jit(lambda views, maps: pose.align(embed(views), stage.targets(maps), top_k))

  def align(images, spheres):
    views, batched = pose.prepare_images(images, stage.input_shape[0], "images")
    maps = spheres if hasattr(spheres, "shape") else np.asarray(spheres)
    if tuple(maps.shape[-3:]) != sphere_shape or maps.ndim not in (3, 4):
      raise ValueError(f"spheres must be (2b, 2b, C) or (N, 2b, 2b, C) = {sphere_shape}; got "
                       f"{maps.shape}")
    if not isinstance(maps, jax.core.Tracer) and not np.isfinite(np.asarray(maps)).all():
      raise ValueError("spheres contain NaN or inf values")
    maps = maps.reshape((-1,) + sphere_shape)
    if batched and maps.shape[0] not in (1, views.shape[0]):
      raise ValueError(f"{views.shape[0]} images against {maps.shape[0]} spheres: pass as many, "
                       "or one of either")
    rotation, confidence = correlate(views, maps)
    if not batched and maps.shape[0] == 1 and np.ndim(spheres) == 3:
      return rotation[0], confidence[0]
    return rotation, confidence

  return align


def load_absolute_pose(workdir: str, step: int | None = None, top_k: int | None = None):
  """Absolute pose from one view with the embedding network in `workdir` and its category templates
  (`python -m experiments.build_templates --workdir=...` first).

  Returns:
    absolute_pose(images, category) -> (rotation, confidence): views as for `load_relative_pose`,
    category a class name; rotation (..., 3, 3) takes the category's canonical frame to the
    object's pose in the view (R with R·template ≈ E(view)); with top_k, k hypotheses.
  """
  stage, embed = _embedding_network(workdir, step)
  data = templates_file.load_templates(workdir)
  names = [str(name) for name in data["class_names"]]
  correlate = jax.jit(lambda views, template: pose.align(template, embed(views), top_k))

  def absolute_pose(images, category: str):
    if category not in names:
      raise ValueError(f"unknown category {category!r}; the templates are of {names}")
    views, batched = pose.prepare_images(images, stage.input_shape[0], "images")
    rotation, confidence = correlate(views, data["templates"][names.index(category)])
    return (rotation, confidence) if batched else (rotation[0], confidence[0])

  return absolute_pose
