"""Φ's targets computed once per example and kept on disk: the embed stage's `config.stored_targets`.

In-step targets cost a forward pass of Φ in every training step (about a third of a laptop-size
step on a CPU); stored ones are read with the views. A split's targets are the normalised Φ_k maps
(N, 2b_k, 2b_k, C_k) of its unaugmented examples, float16 in `<workdir>/stored_targets/<split>.npy`
(rounding ≤ 2^-11 of each value: three orders of magnitude below E's regression error, and half
the disk of float32).

Augmentation stays exact: Φ commutes with the symmetries of its grids (longitude rolls by whole
samples of the target grid, and the mirror; tests/experiments/stages/test_stored_targets.py), so a
pair (view, target) moves like (view, map). In-plane turns then come in steps of the target grid,
360°/2b_k (2b_k turns per view, not 2b).
"""

import os

import numpy as np
from absl import logging

STORED_TARGETS_DIR = "stored_targets"
TARGET = "target"  # the key of the stored target in an example
DTYPE = np.float16


class StoredTargetsSource:
  """A random-access source whose examples carry their stored target under "target".

  Args:
    source: the split's examples (`len`, `[i]`, optionally `__getitems__`).
    targets: (len(source), 2b_k, 2b_k, C_k) array (typically a read-only memory map).
  """

  def __init__(self, source, targets):
    if len(targets) != len(source):
      raise ValueError(f"{len(targets)} stored targets for a split of {len(source)} examples")
    self._source = source
    self._targets = targets

  def __len__(self) -> int:
    return len(self._source)

  def __getattr__(self, name):  # class_names, info, split, ... of the wrapped source
    return getattr(self._source, name)

  def __getitem__(self, index) -> dict:
    return {**self._source[index], TARGET: np.asarray(self._targets[int(index)], np.float32)}

  def __getitems__(self, indices) -> list:
    examples = (self._source.__getitems__(indices) if hasattr(self._source, "__getitems__")
                else [self._source[int(i)] for i in indices])
    targets = np.asarray(self._targets[np.asarray(indices, np.int64)], np.float32)
    return [{**example, TARGET: target} for example, target in zip(examples, targets)]


def stored_targets(targets_fn, source, path: str, feature_shape, batch_size: int = 64):
  """The targets of every example of `source`, read from `path` or computed there first.

  A file of another shape (another dataset or Φ layer) is computed again; it is written under a
  temporary name and renamed when complete, so an interrupted run leaves no partial file.

  Args:
    targets_fn: (n, 2b, 2b, C) maps -> (n, 2b_k, 2b_k, C_k) normalised targets (jitted).
    source: the split's examples, each with a "sphere" (2b, 2b, C).
    path: the .npy file.
    feature_shape: (2b_k, 2b_k, C_k).
    batch_size: maps per call of targets_fn.

  Returns:
    (len(source), 2b_k, 2b_k, C_k) float16, a read-only memory map.
  """
  shape = (len(source),) + tuple(feature_shape)
  if os.path.exists(path):
    stored = np.load(path, mmap_mode="r")
    if stored.shape == shape and stored.dtype == DTYPE:
      return stored
    logging.warning("%s holds targets of shape %s %s, this split needs %s %s: computing them again",
                    path, stored.shape, stored.dtype, shape, np.dtype(DTYPE))
  os.makedirs(os.path.dirname(path), exist_ok=True)
  partial = path[:-len(".npy")] + ".partial.npy"
  out = np.lib.format.open_memmap(partial, mode="w+", dtype=DTYPE, shape=shape)
  for first in range(0, len(source), batch_size):
    indices = np.arange(first, min(first + batch_size, len(source)))
    examples = (source.__getitems__(indices) if hasattr(source, "__getitems__")
                else [source[int(i)] for i in indices])
    out[indices] = np.asarray(targets_fn(np.stack([e["sphere"] for e in examples])))
    if (first // batch_size) % 50 == 0 or indices[-1] + 1 == len(source):
      logging.info("stored targets %s: %d/%d", os.path.basename(path), indices[-1] + 1, len(source))
  out.flush()
  del out
  os.replace(partial, path)
  return np.load(path, mmap_mode="r")
