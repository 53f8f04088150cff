"""The embed stage, training side: regress the frozen spherical CNN Φ's feature maps from single
views (docs/conventions.md, 'Training stages'; the model side: embed_model.py).

Each example holds a rendered view and the spherical map of the same rotated mesh. The target is
Φ_k(map): the feature maps of block k (`config.target_layer`) of a trained spherical CNN, computed as
Φ was trained (band-limited input, inference batch norm) inside the train step, normalised per
channel. The embedding network E (`nn.EmbeddingNet`) learns to predict it from the view with an
area-weighted Huber loss. Φ's variables are constants of the step: not trained, not in E's
checkpoints.

Φ comes from `config.phi_workdir`; when that is empty the trainer first trains one with the config
`config.phi` in `<workdir>/spherical_cnn` (or reuses it when it is complete). E's workdir keeps
`targets.json`: which Φ workdir, step and layer it regresses, the target grid and channels, and the
per-channel mean and standard deviation that normalise the targets (from training examples).
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from equivariant_embeddings import losses
from equivariant_embeddings import pose
from equivariant_embeddings import sphere
from experiments.stages import apply
from experiments.stages import augmentation
from experiments.stages import datasets
from experiments.stages import dependencies
from experiments.stages import trained
from experiments.stages.embed_model import EmbedModel
from experiments.stages.embed_model import TARGETS_FILE
from experiments.workdir import inference
from experiments.workdir import metrics as metrics_lib

SHEET_PAIRS = 4  # rows of the evaluation image
# The colours of its rows' frames by E's pose error on the pair: under 15°, under 30°, above.
_GOOD, _FAIR, _WRONG = (0.2, 0.7, 0.2), (0.95, 0.65, 0.1), (0.85, 0.15, 0.15)


def target_statistics(targets) -> tuple[np.ndarray, np.ndarray]:
  """Area-weighted per-channel mean and standard deviation of maps (N, 2b, 2b, C): two (C,) float64.

  A channel with no spread (e.g. a ReLU that never fires) gets standard deviation 1, so it is
  only centred.
  """
  targets = np.asarray(targets, np.float64)
  weights = np.asarray(sphere.area_weights(targets.shape[1] // 2))[None, :, None, None]
  mean = (targets * weights).mean(axis=(0, 1, 2)) / weights.mean()
  variance = (((targets - mean) ** 2) * weights).mean(axis=(0, 1, 2)) / weights.mean()
  std = np.sqrt(variance)
  return mean, np.where(std > 1e-6 * max(std.max(), 1e-12), std, 1.0)


class EmbedStage(EmbedModel):
  """Area-weighted Huber regression of normalised Φ_k(sphere) from `image` (batch, S, S, 1)."""

  batch_keys = ("image", "sphere")

  def __init__(self, config, workdir: str | None = None):
    super().__init__(config, workdir)
    self._pose_pairs = None
    self._embed_fn = jax.jit(self.features)  # the pose metric's, compiled once
    self.augmentation = augmentation.from_config(config, augmentation.EMBED_AUGMENTATIONS)

  def prerequisites(self) -> list:
    """[(Φ's config, its workdir)] when config.phi_workdir is empty (Φ is trained there first)."""
    return dependencies.prerequisites(self)

  def _write_targets(self, train_source):
    """Computes the normalisation from the first training examples and writes targets.json."""
    _, _, directory, step = self._phi
    count = min(len(train_source), self.config.target_statistics_examples)
    maps, _, _ = inference.map_batches(jax.jit(self.raw_targets),
                                       train_source.__getitems__(range(count)), "sphere", 64,
                                       "targets for the normalisation")
    mean, std = target_statistics(maps)
    record = {"phi_workdir": directory, "phi_step": int(step), "layer": self.config.target_layer,
              "feature_shape": list(maps.shape[1:]), "mean": mean.tolist(), "std": std.tolist(),
              "statistics_examples": count}
    if jax.process_index() == 0:
      os.makedirs(self.workdir, exist_ok=True)
      with open(os.path.join(self.workdir, TARGETS_FILE + ".tmp"), "w") as f:
        json.dump(record, f, indent=1)
      os.replace(os.path.join(self.workdir, TARGETS_FILE + ".tmp"),
                 os.path.join(self.workdir, TARGETS_FILE))
    logging.info("targets: %s of Φ at step %d in %s, %s, normalised per channel over %d training "
                 "examples", self.config.target_layer, step, directory, tuple(maps.shape[1:]), count)
    return record

  def open_datasets(self) -> dict:
    """The configured splits, and Φ with the target normalisation (computed on first use)."""
    builder = self.config.data.builder
    sources = datasets.open_roles(self.config.data, (2 * builder.bandwidth, 2 * builder.bandwidth,
                                                    len(builder.channels)))
    image_shape = sources["train"][0]["image"].shape
    if image_shape != self.input_shape:
      raise ValueError(f"{self.config.data.name} views have shape {image_shape}, the config "
                       f"expects {self.input_shape}")
    self.load_inputs(trained.load_trained)
    if self._targets is None:
      self._targets = self._write_targets(sources["train"])
    elif self._targets["layer"] != self.config.target_layer:
      raise ValueError(f"{self.workdir} regresses {self._targets['layer']}, the config asks for "
                       f"{self.config.target_layer}: use a new workdir")
    self._pose_pairs = self._fixed_pairs(sources["eval"])
    return sources

  def warm_start_variables(self):
    return None  # always starts from init_variables

  def per_example_losses(self, variables, batch, rng, train: bool, step=None):
    """Area-weighted Huber loss and relative error per example of {"image", "sphere"}; in training,
    each pair first moved by a random symmetry of config.view_augmentation."""
    del step  # the loss is the same at every step
    images, spheres = batch["image"], batch["sphere"]
    if train:
      images, spheres = augmentation.augment_views_and_maps(images, spheres, rng,
                                                            self.augmentation)
    targets = jax.lax.stop_gradient(self.targets(spheres))
    predictions, new_model_state = apply.apply_model(self.model, variables, images, train)
    per_example = losses.area_weighted_huber(predictions, targets, self.config.huber_delta)
    weights = jnp.asarray(sphere.area_weights(targets.shape[1] // 2), jnp.float32)[:, None, None]
    relative = jnp.sqrt(jnp.sum(weights * (predictions - targets) ** 2, axis=(1, 2, 3)) /
                        jnp.sum(weights * targets**2, axis=(1, 2, 3)))
    return per_example, {"relative_error": relative}, new_model_state

  def _fixed_pairs(self, source):
    """Views 0 and 1 of the first config.pose_eval_pairs meshes of `source` with two views, with
    their ground-truth relative rotations R_1 R_0ᵀ."""
    first = {}
    pairs = []
    for index in range(len(source)):
      example = source[index]
      mesh_id = example["mesh_id"]
      if mesh_id not in first:
        first[mesh_id] = example
      elif first[mesh_id] is not None:
        a = first.pop(mesh_id)
        first[mesh_id] = None
        pairs.append((a, example))
        if len(pairs) == self.config.pose_eval_pairs:
          break
    if not pairs:
      return None
    stack = lambda key, i: np.stack([pair[i][key] for pair in pairs])
    truth = stack("rotation", 1) @ np.swapaxes(stack("rotation", 0), -1, -2)
    return {"image_a": stack("image", 0), "image_b": stack("image", 1), "truth": truth,
            "sphere_a": stack("sphere", 0), "sphere_b": stack("sphere", 1)}

  def evaluation_metrics(self, variables) -> dict:
    """The pose metric that matters: relative pose of fixed validation pairs (two views of one
    mesh, the dataset's rotations) from E, as median error and acc@15/30; and the same from Φ's
    own targets once, the figure E can approach."""
    pairs = self._pose_pairs
    if pairs is None:
      return {}
    embed = self._embed_fn
    metrics = _pose_metrics(embed(variables, pairs["image_a"]), embed(variables, pairs["image_b"]),
                            pairs["truth"], "pose")
    if "target_pose_median" not in pairs:
      extract = jax.jit(self.targets)
      pairs.update(_pose_metrics(extract(pairs["sphere_a"]), extract(pairs["sphere_b"]),
                                 pairs["truth"], "target_pose"))
    metrics.update({k: v for k, v in pairs.items() if k.startswith("target_pose")})
    return metrics

  def evaluation_images(self, variables) -> dict:
    """{"pose_pairs": the first fixed validation pairs, a row each: view a beside view b, framed by
    the error of E's relative pose: green under 15°, amber under 30°, red above}."""
    pairs = self._pose_pairs
    if pairs is None:
      return {}
    a, b = pairs["image_a"][:SHEET_PAIRS], pairs["image_b"][:SHEET_PAIRS]
    rotation, _ = pose.align(self._embed_fn(variables, a), self._embed_fn(variables, b))
    errors = np.asarray(sphere.rotation_angle_deg(rotation, pairs["truth"][:SHEET_PAIRS]))
    colors = [_GOOD if e < 15 else _FAIR if e < 30 else _WRONG for e in errors]
    return {"pose_pairs": metrics_lib.image_sheet([[x, y] for x, y in zip(a, b)], colors)}


def _pose_metrics(f, g, truth, prefix: str) -> dict:
  rotation, _ = pose.align(f, g)
  summary = pose.error_summary(sphere.rotation_angle_deg(rotation, truth))
  return {f"{prefix}_median": summary["median"], f"{prefix}_acc@15": summary["acc@15"],
          f"{prefix}_acc@30": summary["acc@30"]}
