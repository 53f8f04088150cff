"""The views the pose evaluation renders, and the pairs it forms of them.

For every mesh, 1 + pairs_per_mesh views and spherical maps are rendered afresh under seeded random
rotations (`data_pipelines.examples`), and cached. Pairs, per category:
  IB   same instance: view 0 of a mesh against each of its other views;
  CB   cross instance: view 0 of a mesh against view 0 of pairs_per_mesh other meshes of its
       category (ground truth needs meshes aligned per category, as ModelNet's are);
  I2M  image to mesh: view 0 of a mesh against the spherical maps of its other views.
"""

import hashlib
import os

import numpy as np
from absl import logging

from data_pipelines import examples as examples_lib
from experiments.workdir import inference

TASKS = ("IB", "CB", "I2M")
KEYS = ("image", "sphere", "rotation", "label", "mesh_id")  # what a rendered example holds


def _record_task(task):
  record, spec = task
  return examples_lib.record_examples(record, spec)


def render_examples(records, spec, num_workers: int = 0) -> list:
  """The examples of every record under `spec` (bad meshes are skipped and logged)."""
  results = inference.parallel_map(_record_task, [(record, spec) for record in records],
                                   num_workers)
  rendered, skipped = [], []
  for (mesh_examples, error) in results:
    if error:
      skipped.append(error)
    rendered += [example for _, example in mesh_examples]
  if skipped:
    logging.warning("pose evaluation: skipped %d unusable meshes, e.g. %s", len(skipped), skipped[0])
  return rendered


def cached_examples(records, spec, cache_dir, num_workers):
  """render_examples, kept as an .npz in cache_dir keyed by the meshes and the spec."""
  key = hashlib.sha1(repr((spec, [(r.mesh_id, r.path, r.synthetic) for r in records])).encode())
  path = os.path.join(cache_dir, f"views_{spec.rotation_mode}_{key.hexdigest()[:12]}.npz")
  if os.path.exists(path):
    with np.load(path) as data:
      return [{"image": image, "sphere": sphere_map, "rotation": rotation, "label": int(label),
               "mesh_id": str(mesh_id)} for image, sphere_map, rotation, label, mesh_id in zip(
                   *(data[key] for key in KEYS))]
  logging.info("rendering %d meshes × %d views (%s)", len(records), spec.views_per_mesh,
               spec.rotation_mode)
  rendered = render_examples(records, spec, num_workers)
  os.makedirs(cache_dir, exist_ok=True)
  np.savez(path + ".tmp.npz", **{key: np.stack([e[key] for e in rendered]) for key in KEYS})
  os.replace(path + ".tmp.npz", path)
  return rendered


def make_pairs(mesh_ids, labels, pairs_per_mesh: int, rng: np.random.Generator) -> dict:
  """{task: (index_a (P,), index_b (P,))} into the examples (views of each mesh in order)."""
  groups = inference.group_by_mesh(mesh_ids)
  by_class = {}
  for mesh_id, indices in groups.items():
    by_class.setdefault(int(labels[indices[0]]), []).append(mesh_id)
  same, cross = [], []
  for mesh_id, indices in groups.items():
    same += [(indices[0], other) for other in indices[1:1 + pairs_per_mesh]]
    others = [m for m in by_class[int(labels[indices[0]])] if m != mesh_id]
    chosen = rng.choice(len(others), min(pairs_per_mesh, len(others)), replace=False)
    cross += [(indices[0], groups[others[i]][0]) for i in chosen]
  as_arrays = lambda pairs: tuple(np.asarray(column, np.int64).reshape(-1)
                                  for column in (zip(*pairs) if pairs else ((), ())))
  return {"IB": as_arrays(same), "CB": as_arrays(cross), "I2M": as_arrays(same)}
