"""Opening a stage's configured dataset splits (the `data` block of every stage config)."""

import data_pipelines

ROLES = ("train", "eval", "test")


def open_split(data, split: str):
  """The dataset of config block `data` (name, mesh_dir, data_dir, num_workers, builder) at `split`
  (a TFDS split expression), from `data_pipelines.load_dataset`, built on first use."""
  kwargs = dict(data.builder)
  if data.mesh_dir:
    kwargs["mesh_dir"] = data.mesh_dir
  return data_pipelines.load_dataset(data.name, split, data_dir=data.data_dir or None,
                                     num_workers=data.num_workers, **kwargs)


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
