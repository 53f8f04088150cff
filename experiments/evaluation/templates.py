"""Category templates for absolute pose from one image (the library of experiments.build_templates).

ModelNet is aligned per category, so a category has a canonical frame. Its template is the mean,
over the category's training meshes in canonical pose, of Φ's normalised features of their
spherical maps: what E predicts for a view of an average member of the category in canonical pose.
The absolute pose of a view is then the rotation R with R·template ≈ E(view) (`pose.align`): the
rotation that took the canonical object to its pose in the view. Templates are kept in the embed
workdir as templates.npz.
"""

import jax
import numpy as np
from absl import logging

import data_pipelines
from experiments.stages import datasets
from experiments.stages import trained
from experiments.workdir import inference
from experiments.workdir import templates_file


def _canonical_map(task):
  """Worker: (label, map (2b, 2b, C) of the record's mesh in canonical pose) or (label, None)."""
  record, bandwidth, channels = task
  try:
    return record.label, data_pipelines.spherical_map(record.load(), bandwidth, channels)
  except data_pipelines.MeshError as error:
    logging.warning("template: skipping %s", error)
    return record.label, None


def build_templates(stage, records, class_names, batch_size: int = 64, num_workers: int = 0):
  """{"class_names": (K,), "templates": (K, 2b_k, 2b_k, C_k), "counts": (K,)} from the records'
  meshes in canonical pose (an embed model with Φ loaded: `load_trained(..., with_inputs=True)`)."""
  builder = stage.config.data.builder
  results = inference.parallel_map(
      _canonical_map, [(r, builder.bandwidth, tuple(builder.channels)) for r in records],
      num_workers)
  sums = np.zeros((len(class_names),) + tuple(stage.model_shape))
  counts = np.zeros(len(class_names), np.int64)
  usable = [(label, sphere_map) for label, sphere_map in results if sphere_map is not None]
  targets = jax.jit(stage.targets)
  for first in range(0, len(usable), batch_size):
    chunk = usable[first:first + batch_size]
    features = np.asarray(targets(np.stack([m for _, m in chunk])), np.float64)
    for (label, _), feature in zip(chunk, features):
      sums[label] += feature
      counts[label] += 1
  if not counts.any():
    raise ValueError("no usable training mesh for any template")
  templates = sums / np.maximum(counts, 1)[:, None, None, None]
  return {"class_names": np.asarray(class_names), "templates": templates.astype(np.float32),
          "counts": counts}


def build(workdir: str, max_meshes_per_category=None, num_workers: int = 0) -> str:
  """Builds and saves the templates of `workdir`; returns the file's path."""
  datasets.check_max_meshes(max_meshes_per_category)
  # E's checkpoint is read only to fail early, with a clear message, when E is missing.
  stage, _, _ = trained.load_trained(workdir, kind="embed", with_inputs=True)
  records, class_names, _ = datasets.mesh_records(
      stage.config.data, "train", max_meshes_per_category=max_meshes_per_category)
  built = build_templates(stage, records, class_names, num_workers=num_workers)
  path = templates_file.save_templates(built, workdir)
  print(f"templates of {', '.join(f'{n} ({c})' for n, c in zip(class_names, built['counts']))} "
        f"in {path}", flush=True)
  return path
