"""Batched inference over dataset examples, shared by the evaluation binaries."""

import collections
import multiprocessing
import os
import time

import numpy as np
from absl import logging


def map_batches(fn, examples, key: str, batch_size: int, what: str = "examples"):
  """fn applied to the `key` arrays of every example, batch by batch, with progress lines.

  Args:
    fn: a function of a stacked batch (n, ...) -> (n, ...) arrays (typically jitted; the last batch
      may be smaller, which compiles once more).
    examples: a random-access source (`len`, `[i]`, optionally `__getitems__`) or a list of dicts.
    key: the example field fed to fn, e.g. "sphere" or "image".
    batch_size: examples per call.
    what: what the progress lines call the outputs.

  Returns:
    (outputs: fn's outputs concatenated, numpy (N, ...); the examples' "label"s (N,) int and
    "mesh_id"s [N]).
  """
  outputs, labels, mesh_ids = [], [], []
  start = time.time()
  for first in range(0, len(examples), batch_size):
    indices = range(first, min(first + batch_size, len(examples)))
    batch = (examples.__getitems__(indices) if hasattr(examples, "__getitems__")
             else [examples[i] for i in indices])
    outputs.append(np.asarray(fn(np.stack([example[key] for example in batch]))))
    labels += [int(example["label"]) for example in batch]
    mesh_ids += [example["mesh_id"] for example in batch]
    done = first + len(batch)
    if done == len(examples) or (first // batch_size) % 20 == 0:
      logging.info("%s: %d/%d (%.1f s)", what, done, len(examples), time.time() - start)
  return np.concatenate(outputs), np.asarray(labels, np.int64), mesh_ids


def group_by_mesh(mesh_ids) -> dict:
  """{mesh id: [indices of its examples, in order]}, meshes in order of first appearance."""
  groups = collections.defaultdict(list)
  for index, mesh_id in enumerate(mesh_ids):
    groups[mesh_id].append(index)
  return dict(groups)


def parallel_map(fn, tasks, num_workers: int = 0) -> list:
  """[fn(task) for task in tasks] in `num_workers` spawned processes (0: one per core; 1: here).

  fn must be a module-level function (it is pickled). Spawned workers never inherit a JAX runtime.
  """
  tasks = list(tasks)
  workers = min(num_workers or os.cpu_count() or 1, max(len(tasks), 1))
  if workers <= 1:
    return [fn(task) for task in tasks]
  with multiprocessing.get_context("spawn").Pool(workers) as pool:
    return pool.map(fn, tasks, chunksize=4)
