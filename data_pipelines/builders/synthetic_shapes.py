"""TFDS builder `synthetic_shapes`: procedural meshes generated locally (the offline default)."""

import dataclasses

from data_pipelines import examples, synthetic
from data_pipelines.builders import base

# Test shapes use seeds from here on, so no test shape equals a training shape.
TEST_SEED_OFFSET = 1_000_000


@dataclasses.dataclass(eq=False)
class SyntheticShapesConfig(base.MeshPairConfig):
  """Attributes (beyond MeshPairConfig): train_per_category, test_per_category: shapes per class."""
  train_per_category: int = 200
  test_per_category: int = 50


class SyntheticShapes(base.MeshPairBuilder, skip_registration=True):
  """Views and spherical maps of `synthetic.synthetic_shape` meshes (z up, like ModelNet)."""

  name = "synthetic_shapes"

  @classmethod
  def make_config(cls, **kwargs) -> SyntheticShapesConfig:
    """Options: the ExampleSpec fields, categories (default all of SYNTHETIC_CATEGORIES),
    train_per_category, test_per_category."""
    spec, categories, kwargs = cls._split_kwargs(dict(kwargs))
    counts = {k: kwargs.pop(k) for k in ("train_per_category", "test_per_category") if k in kwargs}
    if kwargs:
      raise ValueError(f"unknown synthetic_shapes options: {sorted(kwargs)}")
    unknown = set(categories or ()) - set(synthetic.SYNTHETIC_CATEGORIES)
    if unknown:
      raise ValueError(f"unknown synthetic categories {sorted(unknown)}; expected a subset of "
                       f"{synthetic.SYNTHETIC_CATEGORIES}")
    for name, value in counts.items():
      if not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    config = SyntheticShapesConfig(name="", spec=spec, categories=categories, **counts)
    config.name = base.config_name(
        "", spec, categories, extra=(f"n{config.train_per_category}-{config.test_per_category}",))
    return config

  def _class_names(self):
    return list(self.builder_config.categories or synthetic.SYNTHETIC_CATEGORIES)

  def _records(self, split):
    config = self.builder_config
    count, offset = ((config.train_per_category, 0) if split == "train"
                     else (config.test_per_category, TEST_SEED_OFFSET))
    return [examples.MeshRecord(mesh_id=f"{category}/{offset + i:07d}", label=label,
                                synthetic=(category, offset + i))
            for label, category in enumerate(self._class_names()) for i in range(count)]
