"""TFDS builders of (view, spherical map) pairs: synthetic_shapes, modelnet, shapenet."""

from data_pipelines.builders.base import MeshPairBuilder, MeshPairConfig
from data_pipelines.builders.modelnet import ModelNet
from data_pipelines.builders.shapenet import ShapeNet
from data_pipelines.builders.synthetic_shapes import SyntheticShapes

BUILDERS = {b.name: b for b in (SyntheticShapes, ModelNet, ShapeNet)}
