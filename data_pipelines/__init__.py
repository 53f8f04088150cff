"""Meshes to batches of (rendered view, spherical map) pairs (docs/conventions.md, 'Meshes,
spherical maps and views').

Public API:
  load_mesh, normalize_mesh, MeshError           reading meshes (meshes.py)
  hull_area_ratio                                how much of a mesh's surface is missing (meshes.py)
  random_rotation                                "3dof" / "2dof" rotations (rotations.py)
  spherical_map, render_view, RayCaster          embree ray casting (raycast.py)
  synthetic_shape, SYNTHETIC_CATEGORIES          procedural meshes (synthetic.py)
  ExampleSpec, mesh_examples                     one mesh -> examples (examples.py)
  load_dataset, make_builder, MeshPairSource     TFDS datasets (loading.py, builders/)
  BatchIterator                                  the input pipeline (batching.py)
"""

from data_pipelines.batching import BatchIterator
from data_pipelines.examples import ExampleSpec, anisotropic_scaling, mesh_examples
from data_pipelines.loading import MeshPairSource, load_dataset, make_builder
from data_pipelines.meshes import MeshError, hull_area_ratio, load_mesh, normalize_mesh
from data_pipelines.raycast import (MISS_DISTANCE, SPHERE_CHANNELS, RayCaster, render_view,
                                    spherical_map)
from data_pipelines.rotations import ROTATION_MODES, random_rotation
from data_pipelines.synthetic import SYNTHETIC_CATEGORIES, synthetic_shape
