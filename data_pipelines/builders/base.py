"""The shared TFDS builder of (view, spherical map) pairs, writing array_record (no tensorflow).

A concrete builder lists its meshes (`_records`) and class names; this base class turns them into
examples with `examples.record_examples`, in parallel worker processes or, with `use_beam=True`, as an
Apache Beam pipeline (TFDS's Beam support; e.g. the DirectRunner locally or Dataflow at scale). A mesh
that cannot be used is skipped, logged and counted; the counts (and, outside Beam, the files and
errors) are stored in the dataset metadata, `builder.info.metadata["skipped_meshes"]`.

Splits: "test" is the builder's test split; "validation" is the 1 in VALIDATION_MODULUS of the builder's
training meshes with crc32(mesh_id) % VALIDATION_MODULUS == 0 (all views of a mesh stay in one split),
and "train" the rest, so that choices made on validation never see the test split (a dataset
too small to have a usable validation mesh has no validation split). Anisotropic
scaling (`scale_range`) and surface dropout (`surface_dropout`) augment "train" only: validation and
test keep the meshes as they are.
"""

from concurrent import futures
from concurrent.futures import process as futures_process
import dataclasses
import hashlib
import inspect
import multiprocessing
import os
import sys
import time
import zlib

import numpy as np
import tensorflow_datasets as tfds
from absl import logging
from etils import epath

from data_pipelines import examples
from data_pipelines import meshes
from data_pipelines.builders import spill_files

spill_files.install()  # splits over 1 GB would otherwise need TensorFlow to spill to disk

# Fields of `examples.ExampleSpec` that a user may set (up_axis is fixed by each builder's frame).
SPEC_FIELDS = tuple(f.name for f in dataclasses.fields(examples.ExampleSpec) if f.name != "up_axis")

# One in this many training meshes (by crc32 of the mesh id) forms the validation split.
VALIDATION_MODULUS = 8


def is_validation_mesh(mesh_id: str) -> bool:
  """Whether the training mesh `mesh_id` belongs to the validation split (by its crc32)."""
  return zlib.crc32(mesh_id.encode()) % VALIDATION_MODULUS == 0


@dataclasses.dataclass(eq=False)
class MeshPairConfig(tfds.core.BuilderConfig):
  """A builder config: example generation options plus the classes to include.

  Attributes:
    spec: the example generation options (image size, bandwidth, views, rotation mode, scaling...).
    categories: class names to include, in label order, or None for the builder's default list.
  """
  spec: examples.ExampleSpec = dataclasses.field(default_factory=examples.ExampleSpec)
  categories: tuple | None = None


def config_name(prefix: str, spec: examples.ExampleSpec, categories, extra=()) -> str:
  """A readable, unique config name, e.g. "modelnet10_s64_b32_distance_v4_3dof_seed0"."""
  parts = [prefix] if prefix else []
  parts += [f"s{spec.image_size}", f"b{spec.bandwidth}", "-".join(spec.channels),
            f"v{spec.views_per_mesh}", spec.rotation_mode]
  if spec.scale_range:
    parts.append("scale{:g}-{:g}".format(*spec.scale_range))
  if spec.surface_dropout:
    parts.append(f"sdrop{spec.surface_dropout:g}")
  parts += [str(e) for e in extra]
  parts.append(f"seed{spec.seed}")
  if categories is not None:  # a short digest keeps names of 40-class selections readable
    parts.append("cats" + hashlib.sha1(",".join(categories).encode()).hexdigest()[:8])
  return "_".join(parts)


def _unusable(records) -> list:
  """[{"mesh_id", "error"}] of every record, if none of their meshes loads; [] as soon as one does
  (normally the first: a single load)."""
  errors = []
  for record in records:
    try:
      record.load()
      return []
    except meshes.MeshError as error:
      errors.append({"mesh_id": record.mesh_id, "error": str(error)})
  return errors


# What to do when a parallel build starts from a script's top level (see _worker_died_message).
MAIN_GUARD_HELP = ("put the call to load_dataset under `if __name__ == \"__main__\":`, or pass "
                   "num_workers=1 to build in this process")


def _check_not_starting_a_worker() -> None:
  """Raises RuntimeError in a spawned worker that is re-running its parent's main script.

  Without this the worker would start a build of its own (multiprocessing stops it, but only once
  it starts workers in turn). The flag is the one behind multiprocessing's own "bootstrapping
  phase" error.
  """
  if getattr(multiprocessing.current_process(), "_inheriting", False):
    raise RuntimeError(f"a dataset build started in a worker process while it was starting up: "
                       f"workers start with 'spawn' and re-run the script that started the build; "
                       f"{MAIN_GUARD_HELP}")


def _worker_died_message(name: str, split: str, error: Exception) -> str:
  script = getattr(sys.modules.get("__main__"), "__file__", None)
  message = (f"{name}/{split}: a worker process stopped before the build finished "
             f"({type(error).__name__}: {error}), so the build stopped and kept nothing. ")
  if script:  # spawn re-runs it in every worker
    message += (f"If {script} calls load_dataset at its top level, that is the cause: workers "
                f"start with 'spawn' and re-run that script; {MAIN_GUARD_HELP}. Otherwise ")
  return message + ("a worker was killed (out of memory?) or crashed: its own error, if any, is "
                    "printed above.")


def _record_examples_task(task):
  """Worker entry point (a module-level function, so that it pickles)."""
  record, spec = task
  return record, examples.record_examples(record, spec)


class MeshPairBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
  """Base builder; subclasses define `_class_names()` and `_records(split)` for "train" and "test"."""

  VERSION = tfds.core.Version("1.1.0")
  RELEASE_NOTES = {
      "1.0.0": "Initial release.",
      "1.1.0": "A validation split carved from train by mesh id; scaling augments train only.",
  }
  SPLITS = ("train", "validation", "test")
  UP_AXIS = "z"

  @tfds.core.utils.classproperty
  @classmethod
  def code_path(cls) -> epath.Path:
    # TFDS's own lookup imports `importlib_resources`, which it only requires on Python < 3.9.
    return epath.Path(inspect.getfile(cls))

  def __init__(self, *, num_workers: int | None = None, use_beam: bool = False, **kwargs):
    """Args: num_workers: processes that generate examples (None or 0: all cores; 1 = in-process).
    use_beam: generate with Apache Beam (pass `beam_runner`/`beam_options` in DownloadConfig).
    Other arguments go to tfds.core.DatasetBuilder (data_dir, config, file_format...).

    Raises:
      ValueError: num_workers is not None or an integer >= 0.
      RuntimeError: called in a worker process that is re-running its parent's main script (see
        MAIN_GUARD_HELP).
    """
    _check_not_starting_a_worker()
    if num_workers is not None and (isinstance(num_workers, bool) or not isinstance(
        num_workers, (int, np.integer)) or num_workers < 0):
      raise ValueError(f"num_workers must be None or an integer >= 0 (None or 0: one per core, 1: "
                       f"in this process), got {num_workers!r}")
    self._num_workers = num_workers or os.cpu_count() or 1
    self._use_beam = use_beam
    self._skipped = {}
    kwargs.setdefault("file_format", "array_record")
    super().__init__(**kwargs)

  @classmethod
  def make_config(cls, **kwargs) -> MeshPairConfig:
    """The config for the given options (fields of ExampleSpec, `categories`, builder extras)."""
    raise NotImplementedError

  @classmethod
  def _split_kwargs(cls, kwargs):
    """(ExampleSpec, categories, remaining kwargs) from keyword options."""
    spec_kwargs = {k: kwargs.pop(k) for k in SPEC_FIELDS if k in kwargs}
    if "channels" in spec_kwargs and isinstance(spec_kwargs["channels"], str):
      spec_kwargs["channels"] = (spec_kwargs["channels"],)
    spec = examples.ExampleSpec(up_axis=cls.UP_AXIS, **spec_kwargs)
    categories = kwargs.pop("categories", None)
    if categories is not None:
      categories = (categories,) if isinstance(categories, str) else tuple(categories)
      if not categories or len(set(categories)) != len(categories):
        raise ValueError(f"categories must be distinct names, got {categories}")
    return spec, categories, kwargs

  def _class_names(self) -> list:
    raise NotImplementedError

  def _records(self, split: str) -> list:
    """The `examples.MeshRecord`s of the builder's own "train" or "test" split."""
    raise NotImplementedError

  def mesh_records(self, split: str) -> list:
    """The `examples.MeshRecord`s (mesh id, label, file or synthetic recipe) of one of SPLITS,
    without building anything: what evaluations that render their own views start from."""
    if split not in self.SPLITS:
      raise ValueError(f"split must be one of {self.SPLITS}, got {split!r}")
    return self._split_records(split)

  def _split_records(self, split: str) -> list:
    """The records of one of SPLITS: "train" and "validation" partition `_records("train")`."""
    if split == "test":
      return self._records("test")
    return [r for r in self._records("train")
            if is_validation_mesh(r.mesh_id) == (split == "validation")]

  def _info(self) -> tfds.core.DatasetInfo:
    spec = self.builder_config.spec
    size, b, channels = spec.image_size, spec.bandwidth, len(spec.channels)
    return tfds.core.DatasetInfo(
        builder=self,
        description=(f"Pairs of a rendered view ({size}x{size}) and the spherical map (b={b}, "
                     f"channels {spec.channels}) of a randomly rotated mesh ({spec.rotation_mode}, "
                     f"{spec.views_per_mesh} per mesh, up axis {spec.up_axis})."),
        features=tfds.features.FeaturesDict({
            "image": tfds.features.Tensor(shape=(size, size, 1), dtype=np.float32),
            "sphere": tfds.features.Tensor(shape=(2 * b, 2 * b, channels), dtype=np.float32),
            "rotation": tfds.features.Tensor(shape=(3, 3), dtype=np.float32),
            "label": tfds.features.ClassLabel(names=self._class_names()),
            "mesh_id": tfds.features.Text(),
        }),
        metadata=tfds.core.MetadataDict(),
    )

  def _split_generators(self, dl_manager):
    del dl_manager  # meshes are local
    splits = list(self.SPLITS)
    # TFDS cannot write an empty split: a tiny dataset may have no usable validation mesh.
    validation = self._split_records("validation")
    unusable = _unusable(validation)
    if not validation or unusable:
      splits.remove("validation")
      self._skipped["validation"] = {"found": len(validation), "files": unusable}
    return {split: self._generate_examples(split) for split in splits}

  def _generate_examples(self, split: str):
    records = self._split_records(split)
    if not records:
      mesh_dir = getattr(self, "_mesh_dir", None)
      raise ValueError(f"{self.name}: no meshes found for split {split!r}"
                       + (f" in mesh_dir {mesh_dir!r}" if mesh_dir else ""))
    self._skipped[split] = {"found": len(records), "files": []}
    spec = self.builder_config.spec
    if split != "train":
      spec = dataclasses.replace(spec, scale_range=None, surface_dropout=0.0)
    if self._use_beam:
      from apache_beam import Create, FlatMap  # optional extra: pip install .[beam]
      return (f"Create {split}" >> Create(records)
              | f"Examples {split}" >> FlatMap(_beam_examples, spec=spec))
    return self._generate_locally(split, records, spec)

  def _generate_locally(self, split, records, spec):
    logging.info("%s/%s: %d meshes, %d workers", self.name, split, len(records), self._num_workers)
    tasks = [(record, spec) for record in records]
    start = time.time()
    if self._num_workers > 1:
      # spawn: workers import only numpy/trimesh/embree, never a forked copy of a JAX runtime.
      # An executor, not multiprocessing.Pool: a worker that dies breaks it (BrokenProcessPool)
      # instead of being replaced, endlessly when every new worker dies the same way.
      pool = futures.ProcessPoolExecutor(self._num_workers,
                                         mp_context=multiprocessing.get_context("spawn"))
      results = pool.map(_record_examples_task, tasks, chunksize=4)
    else:
      pool, results = None, map(_record_examples_task, tasks)
    try:
      for done, (record, (mesh_examples, error)) in enumerate(results, 1):
        if error:
          logging.warning("%s/%s: skipping %s", self.name, split, error)
          self._skipped[split]["files"].append({"mesh_id": record.mesh_id, "error": error})
        yield from mesh_examples
        if done % 100 == 0 or done == len(records):
          rate = done / (time.time() - start)
          logging.info("%s/%s: %d/%d meshes, %.1f meshes/s, ETA %.0f s", self.name, split, done,
                       len(records), rate, (len(records) - done) / rate)
    except futures_process.BrokenProcessPool as error:
      raise RuntimeError(_worker_died_message(self.name, split, error)) from error
    finally:
      if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)

  def _download_and_prepare(self, dl_manager, download_config):
    super()._download_and_prepare(dl_manager, download_config)
    views = self.builder_config.spec.views_per_mesh
    report = {}
    for split, skipped in self._skipped.items():
      written = self.info.splits[split].num_examples // views if split in self.info.splits else 0
      report[split] = {"meshes_found": skipped["found"], "meshes_written": written,
                       "skipped": skipped["found"] - written, "files": skipped["files"]}
      if report[split]["skipped"]:
        logging.warning("%s/%s: skipped %d of %d meshes (details in the dataset metadata)",
                        self.name, split, report[split]["skipped"], skipped["found"])
    self.info.metadata["skipped_meshes"] = report
    self.info.metadata["up_axis"] = self.builder_config.spec.up_axis


def _beam_examples(record, spec):
  """Beam worker: the examples of one record; a bad mesh is logged and counted, not raised."""
  from apache_beam import metrics
  mesh_examples, error = examples.record_examples(record, spec)
  if error:
    logging.warning("skipping %s", error)
    metrics.Metrics.counter("data_pipelines", "skipped_meshes").inc()
  return mesh_examples
