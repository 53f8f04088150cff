"""`load_dataset`: build a dataset if needed and open a split for random access."""

import os

import numpy as np
import tensorflow_datasets as tfds
from google.protobuf import json_format

from data_pipelines.builders import BUILDERS
from data_pipelines.builders import base

DEFAULT_DATA_DIR = os.path.join("~", "tensorflow_datasets")


class MeshPairSource:
  """Random access to one split of a built dataset (`len(src)`, `src[i]`, `src.__getitems__`).

  Elements are dicts of numpy arrays: image (S, S, 1) float32 in [0, 1], sphere (2b, 2b, C) float32,
  rotation (3, 3) float32, label int32 scalar, mesh_id str.

  Attributes:
    class_names: label names, in label order (len = number of classes).
    info: the TFDS DatasetInfo (features, split sizes, metadata such as skipped meshes).
  """

  def __init__(self, data_source, info, split: str = ""):
    self._data_source = data_source
    self.info = info
    self.split = split
    self.class_names = list(info.features["label"].names)

  def __len__(self) -> int:
    return len(self._data_source)

  def __getitem__(self, index) -> dict:
    if not -len(self) <= index < len(self):
      raise IndexError(f"index {index} out of range for a source of {len(self)} examples")
    index = int(index) % len(self)
    try:
      return _convert(self._data_source[index])
    except Exception as error:  # pylint: disable=broad-except
      raise _damaged(self.info, self.split, error, index) from error

  def __getitems__(self, indices) -> list:
    """Reads several examples in one call (array_record batches the reads)."""
    indices = [int(i) for i in indices]
    try:
      return [_convert(e) for e in self._data_source.__getitems__(indices)]
    except Exception as error:  # pylint: disable=broad-except
      raise _damaged(self.info, self.split, error, indices[0] if len(indices) == 1 else None) \
          from error

  def __repr__(self):
    return (f"MeshPairSource({self.info.full_name}, {len(self)} examples, "
            f"{len(self.class_names)} classes)")


def _split_files(info, split: str, index=None) -> list:
  """The shard files of `split` (a split name or expression); only the one holding example `index`
  when it is known and `split` is a plain name."""
  names = [part.split("[")[0].strip() for part in split.split("+")]
  splits = [info.splits[name] for name in names if name in info.splits]
  if index is not None and len(splits) == 1 and "[" not in split:
    lengths = list(np.cumsum(splits[0].shard_lengths))
    shard = min(int(np.searchsorted(lengths, index, side="right")), len(lengths) - 1)
    return [os.fspath(splits[0].filepaths[shard])]
  return [os.fspath(path) for split_info in splits for path in split_info.filepaths]


def _damaged(info, split: str, error: Exception, index=None) -> ValueError:
  """The error for a shard that cannot be read: which file, and how to rebuild it."""
  # Array_record, Riegeli and TFDS report damaged shards as TypeError, RuntimeError, ValueError...
  # without the file; whatever the reader raised, these files are what the read went to.
  files = _split_files(info, split, index)
  return ValueError(
      f"cannot read {'example ' + str(index) + ' of ' if index is not None else ''}split {split!r} "
      f"of {info.full_name}: {', '.join(files) or info.data_dir} is damaged "
      f"({type(error).__name__}: {str(error)[:200]}). Delete {info.data_dir} and run again to "
      f"rebuild the dataset")


def _convert(example) -> dict:
  mesh_id = example["mesh_id"]
  return {
      "image": np.asarray(example["image"], np.float32),
      "sphere": np.asarray(example["sphere"], np.float32),
      "rotation": np.asarray(example["rotation"], np.float32),
      "label": np.int32(example["label"]),
      "mesh_id": mesh_id.decode() if isinstance(mesh_id, bytes) else str(mesh_id),
  }


def make_builder(name: str, *, data_dir=None, mesh_dir=None, num_workers=None, use_beam=False,
                 **config_kwargs):
  """The TFDS builder `name` for the given options (see `load_dataset`); builds nothing."""
  if name not in BUILDERS:
    raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(BUILDERS)}")
  builder_class = BUILDERS[name]
  data_dir = os.path.expanduser(os.fspath(data_dir or DEFAULT_DATA_DIR))
  if os.path.exists(data_dir) and not os.path.isdir(data_dir):
    raise ValueError(f"data_dir must be a directory (TFDS builds datasets there), got the file "
                     f"{data_dir!r}")
  kwargs = {"num_workers": num_workers, "use_beam": use_beam}
  if mesh_dir is not None:
    if name == "synthetic_shapes":
      raise ValueError("synthetic_shapes generates its meshes; it takes no mesh_dir")
    kwargs["mesh_dir"] = mesh_dir
  config = builder_class.make_config(**config_kwargs)
  try:
    return builder_class(config=config, data_dir=data_dir, **kwargs)
  except json_format.ParseError as error:
    directory = os.path.join(data_dir, builder_class.name, config.name, str(builder_class.VERSION))
    raise ValueError(f"{os.path.join(directory, 'dataset_info.json')} is damaged ({error}): delete "
                     f"{directory} and run again to rebuild the dataset") from None


def load_dataset(name: str, split: str, *, data_dir=None, mesh_dir=None, num_workers=None,
                 beam_runner=None, **builder_config_kwargs) -> MeshPairSource:
  """Opens a split of a dataset of (view, spherical map) pairs, building the dataset first if needed.

  Args:
    name: "synthetic_shapes" (procedural, offline), "modelnet" or "shapenet".
    split: "train", "validation" (1 in 8 of the training meshes, by mesh id; disjoint from train) or
      "test", or a TFDS split expression such as "train+validation".
    data_dir: where TFDS keeps built datasets (default ~/tensorflow_datasets).
    mesh_dir: the mesh directory for "modelnet" (official layout <class>/{train,test}/*.off) and
      "shapenet" (synset folders); not used once the dataset is built.
    num_workers: processes that generate examples (None or 0: one per core; 1: in this process).
      Workers start with "spawn" and re-run the calling script, so a script must call load_dataset
      under `if __name__ == "__main__":` (or pass num_workers=1).
    beam_runner: build with Apache Beam on this runner (e.g. "DirectRunner"; needs the beam extra).
    **builder_config_kwargs: image_size (64), bandwidth (32), channels (("distance",), add
      "normal_cosine"), views_per_mesh (1), rotation_mode ("3dof" or "2dof"), scale_range (None,
      or (low, high) anisotropic scaling), surface_dropout (0: the probability of a training view
      of the mesh without its largest faces), seed (0), categories (None = all); "modelnet": variant
      ("modelnet10" or "modelnet40"); "synthetic_shapes": train_per_category (200),
      test_per_category (50). Each combination is its own TFDS config (own directory).

  Returns:
    A `MeshPairSource`: `len(src)`, `src[i]` -> dict of numpy arrays, `src.class_names`.

  Raises:
    ValueError: bad options, a missing or empty mesh_dir, or a split that is unknown, empty (e.g.
      "validation" of a dataset whose training meshes all hash to train) or selects no examples.
    RuntimeError: a worker process died during the build (see num_workers); nothing is kept.
  """
  if not isinstance(split, str):
    raise ValueError(f"split must be a TFDS split name or expression such as 'train' or "
                     f"'train+validation', got {split!r}")
  builder = make_builder(name, data_dir=data_dir, mesh_dir=mesh_dir, num_workers=num_workers,
                         use_beam=beam_runner is not None, **builder_config_kwargs)
  builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
      try_download_gcs=False, beam_runner=beam_runner))
  _check_split(builder, split)
  try:
    data_source = builder.as_data_source(split=split)
  except Exception as error:  # pylint: disable=broad-except
    raise _damaged(builder.info, split, error) from error
  return MeshPairSource(data_source, builder.info, split)


def _check_split(builder, split: str) -> None:
  """Raises ValueError unless `split` selects examples of the built dataset, saying why not."""
  dataset = f"{builder.name}/{builder.builder_config.name}"
  try:
    num_examples = builder.info.splits[split].num_examples
  except (KeyError, ValueError) as error:
    # Split names in an expression such as "train[:10%]+validation".
    names = [part.split("[")[0].strip() for part in split.split("+")]
    for missing in names:
      if missing in builder.SPLITS and missing not in builder.info.splits:
        raise ValueError(_empty_split_message(builder, dataset, missing)) from error
    raise ValueError(f"split {split!r} of {dataset}: {error}") from error
  if not num_examples:
    sizes = {name: info.num_examples for name, info in builder.info.splits.items()}
    raise ValueError(f"split {split!r} of {dataset} selects no examples (split sizes: {sizes})")


def _empty_split_message(builder, dataset: str, split: str) -> str:
  """Why a split of builder.SPLITS was not written: from the build's skipped-mesh report."""
  report = builder.info.metadata.get("skipped_meshes", {})
  found = report.get(split, {}).get("meshes_found")
  if split != "validation" or found is None:
    return f"split {split!r} of {dataset} is empty: the build wrote no examples for it"
  training = found + report.get("train", {}).get("meshes_found", 0)
  rule = (f"it holds the training meshes whose crc32(mesh_id) % {base.VALIDATION_MODULUS} == 0 "
          f"(data_pipelines.builders.base.VALIDATION_MODULUS: about 1 in "
          f"{base.VALIDATION_MODULUS})")
  if not found:
    why = f"none of its {training} training mesh{'es' if training != 1 else ''} is one of them"
  else:
    first_error = (report[split].get("files") or [{}])[0].get("error", "")
    why = (f"the {found} such mesh{'es' if found != 1 else ''} (of {training} training meshes) "
           f"could not be read ({first_error or 'see info.metadata[skipped_meshes]'})")
  return (f"split 'validation' of {dataset} is empty: {rule}, and {why}. Evaluate on 'test', or "
          f"use more training meshes.")
