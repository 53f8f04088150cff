"""Lets TFDS builds spill splits over 1 GB to disk without TensorFlow installed.

TFDS (4.9) shuffles a generated split in memory up to `tfds.core.shuffle.MAX_MEM_BUFFER_SIZE` (1 GB)
and beyond that writes temporary bucket files through `tf.io.gfile`, i.e. it imports TensorFlow.
This project does not depend on TensorFlow, so without this module any split larger than 1 GB
(ModelNet40 or ShapeNet with a few views per mesh) fails with "No module named 'tensorflow'"
after the whole split has been generated. `install()` gives TFDS's shuffler the few file operations
it uses, backed by etils.epath (local paths, and cloud paths where epath supports them), when
TensorFlow is absent; with TensorFlow installed it changes nothing.
"""

import importlib.util

from etils import epath
from tensorflow_datasets.core import shuffle


class _NeverRaised(Exception):
  """Stands for tf.errors.ResourceExhaustedError, which only TensorFlow's own files raise."""


class _GFile:
  """The part of tf.io.gfile the shuffler's bucket files use: GFile, exists, remove."""

  @staticmethod
  def GFile(path, mode: str):  # pylint: disable=invalid-name  (tf.io.gfile's name)
    return epath.Path(path).open(mode)

  @staticmethod
  def exists(path) -> bool:
    return epath.Path(path).exists()

  @staticmethod
  def remove(path) -> None:
    epath.Path(path).unlink()


class _TensorFlowFiles:
  """Stands in for the `tf` module inside tfds.core.shuffle."""
  io = type("io", (), {"gfile": _GFile})
  errors = type("errors", (), {"ResourceExhaustedError": _NeverRaised})


def install() -> None:
  """Points TFDS's shuffler at epath-backed files unless TensorFlow is installed (idempotent)."""
  if importlib.util.find_spec("tensorflow") is not None:
    return
  if not hasattr(shuffle, "tf"):
    raise ImportError("tensorflow_datasets.core.shuffle no longer has a `tf` attribute: this TFDS "
                      "version needs data_pipelines.builders.spill_files updated")
  shuffle.tf = _TensorFlowFiles
