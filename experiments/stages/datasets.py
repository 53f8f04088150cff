"""Opening a stage's configured dataset splits (the `data` block of every stage config)."""

import data_pipelines

ROLES = ("train", "eval", "test")


def _builder_options(data) -> dict:
  options = dict(data.builder)
  if data.mesh_dir:
    options["mesh_dir"] = data.mesh_dir
  return options


def open_split(data, split: str):
  """The dataset of config block `data` (name, mesh_dir, data_dir, num_workers, builder) at `split`
  (a TFDS split expression), from `data_pipelines.load_dataset`, built on first use."""
  return data_pipelines.load_dataset(data.name, split, data_dir=data.data_dir or None,
                                     num_workers=data.num_workers, **_builder_options(data))


def is_built(data) -> bool:
  """Whether the dataset of config block `data` is built (every split written) in its data_dir."""
  builder = data_pipelines.make_builder(data.name, data_dir=data.data_dir or None,
                                        **_builder_options(data))
  return builder.is_prepared()


def build(data) -> None:
  """Builds the dataset of config block `data` (all its splits), unless it is built already."""
  open_split(data, data.train_split)


def open_roles(data, sphere_shape: tuple) -> dict:
  """{"train", "eval", and "test" if configured: source} of `data`'s train/eval/test splits.

  Raises:
    ValueError: a split is empty, or its spherical maps are not `sphere_shape` (2b, 2b, C).
  """
  splits = {"train": data.train_split, "eval": data.eval_split, "test": data.test_split}
  sources = {role: open_split(data, split) for role, split in splits.items() if split}
  for role, source in sources.items():
    if not len(source):
      raise ValueError(f"the {role} split {splits[role]!r} of {data.name} is empty")
    shape = source[0]["sphere"].shape
    if shape != tuple(sphere_shape):
      raise ValueError(f"{data.name}/{role} spheres have shape {shape}, the config expects "
                       f"{tuple(sphere_shape)}")
  return sources


def check_max_meshes(max_meshes_per_category) -> None:
  """ValueError unless max_meshes_per_category is None (all meshes) or an integer >= 1."""
  value = max_meshes_per_category
  if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
    raise ValueError(f"max_meshes_per_category must be an integer >= 1, or left out for all "
                     f"meshes; got {value!r}")


def mesh_records(data, split: str, categories=None, max_meshes_per_category=None):
  """The meshes of `data`'s split without building the dataset, for code that renders its own views.

  Args:
    data: a config's data block.
    split: "train", "validation" or "test".
    categories: class names to keep (default: all of the dataset's).
    max_meshes_per_category: keep only the first this many meshes of each class (>= 1; None: all).

  Returns:
    (records: `examples.MeshRecord`s, class names of the dataset in label order, its up axis).
  """
  check_max_meshes(max_meshes_per_category)
  builder = data_pipelines.make_builder(data.name, data_dir=data.data_dir or None,
                                        **_builder_options(data))
  class_names = list(builder.info.features["label"].names)
  if categories:
    unknown = set(categories) - set(class_names)
    if unknown:
      raise ValueError(f"categories {sorted(unknown)} are not in the dataset's {class_names}")
  records, per_class = [], {}
  for record in builder.mesh_records(split):
    name = class_names[record.label]
    if categories and name not in categories:
      continue
    per_class[name] = per_class.get(name, 0) + 1
    if max_meshes_per_category is None or per_class[name] <= max_meshes_per_category:
      records.append(record)
  if not records:
    raise ValueError(f"no {split} meshes for categories {categories} in {data.name}")
  return records, class_names, builder.builder_config.spec.up_axis
