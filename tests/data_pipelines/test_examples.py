"""Per-mesh example generation: seeding, anisotropic scaling, and error reporting."""

import numpy as np
import pytest

import trimesh

from data_pipelines import raycast
from data_pipelines import (ExampleSpec, anisotropic_scaling, mesh_examples, normalize_mesh,
                            synthetic_shape)
from data_pipelines.examples import MeshRecord, drop_largest_faces, record_examples

SPEC = ExampleSpec(image_size=16, bandwidth=4, views_per_mesh=3)


def test_views_are_seeded_by_mesh_id_and_view():
  mesh = normalize_mesh(synthetic_shape("sofa", 1))
  first = mesh_examples(mesh, "sofa/1", 5, SPEC)
  assert [key for key, _ in first] == ["sofa/1/0", "sofa/1/1", "sofa/1/2"]
  again = mesh_examples(mesh, "sofa/1", 5, SPEC)
  for (_, a), (_, b) in zip(first, again):
    np.testing.assert_array_equal(a["rotation"], b["rotation"])
    np.testing.assert_array_equal(a["sphere"], b["sphere"])
  rotations = [e["rotation"] for _, e in first]
  assert not np.allclose(rotations[0], rotations[1])  # each view its own rotation
  other = mesh_examples(mesh, "sofa/2", 5, SPEC)
  assert not np.allclose(other[0][1]["rotation"], rotations[0])  # each mesh its own rotations
  assert all(e["label"] == 5 and e["mesh_id"] == "sofa/1" for _, e in first)


def test_anisotropic_scaling_stays_in_unit_ball_and_changes_proportions():
  mesh = normalize_mesh(synthetic_shape("table", 0))
  scaled = anisotropic_scaling(mesh, np.random.default_rng(0), (0.5, 2.0))
  assert np.linalg.norm(scaled.vertices, axis=1).max() == pytest.approx(1.0)
  ratios = np.ptp(scaled.vertices, 0) / np.ptp(mesh.vertices, 0)
  ratios /= ratios.max()
  assert ratios.min() < 0.95  # the axes were scaled unequally
  assert ratios.min() >= 0.5 / 2.0 - 1e-9  # by factors from the range


def test_drop_largest_faces_removes_area_from_the_top_and_keeps_vertices():
  box = trimesh.creation.box(extents=(1.0, 2.0, 3.0))  # triangles of area 3 (2×3 sides), 1.5, 1
  damaged = drop_largest_faces(box, 0.5)
  # Within half of the 22 units of area: three of the four area-3 triangles.
  assert damaged.area == pytest.approx(22.0 - 9.0)
  np.testing.assert_array_equal(damaged.vertices, box.vertices)
  assert len(drop_largest_faces(box, 0.999).faces) == 1  # the smallest face always stays
  assert drop_largest_faces(box, 0.0).area == pytest.approx(22.0)
  with pytest.raises(ValueError, match="fraction"):
    drop_largest_faces(box, 1.0)


def test_surface_dropout_removes_surface_but_keeps_rotations_and_hull():
  mesh = normalize_mesh(synthetic_shape("monitor", 2))
  channels = ("distance", "hull_distance")
  intact = mesh_examples(mesh, "monitor/2", 0, ExampleSpec(bandwidth=8, views_per_mesh=4,
                                                          channels=channels))
  damaged = mesh_examples(mesh, "monitor/2", 0, ExampleSpec(bandwidth=8, views_per_mesh=4,
                                                           channels=channels, surface_dropout=1.0))
  for (_, a), (_, b) in zip(intact, damaged):
    np.testing.assert_array_equal(a["rotation"], b["rotation"])
    np.testing.assert_allclose(a["sphere"][..., 1], b["sphere"][..., 1], atol=1e-5)  # same hull
    # Fewer faces: every first hit is the same or farther, and half the area or more is gone.
    before, after = a["sphere"][..., 0], b["sphere"][..., 0]
    assert (after >= before - 1e-6).all() and np.mean(after > before + 1e-3) > 0.1
  with pytest.raises(ValueError, match="surface_dropout"):
    ExampleSpec(surface_dropout=1.5)


def test_the_unchanged_mesh_gets_one_ray_casting_scene_and_only_if_a_view_uses_it(monkeypatch):
  built = []
  original = raycast.RayCaster.__init__

  def counting_init(self, mesh):
    built.append(mesh)
    original(self, mesh)

  monkeypatch.setattr(raycast.RayCaster, "__init__", counting_init)
  mesh = normalize_mesh(synthetic_shape("chair", 0))
  mesh_examples(mesh, "chair/0", 0, SPEC)
  assert sum(m is mesh for m in built) == 1  # three views share one scene
  built.clear()
  mesh_examples(mesh, "chair/0", 0, ExampleSpec(image_size=16, bandwidth=4, views_per_mesh=3,
                                                surface_dropout=1.0))
  assert not any(m is mesh for m in built) and built  # every view ray-casts its damaged copy


def test_unusable_meshes_are_reported_not_raised(tmp_path):
  bad = tmp_path / "bad.off"
  bad.write_text("OFF\n3 1 0\n0 0 0\n")
  examples, error = record_examples(MeshRecord("x/bad", 0, path=str(bad)), SPEC)
  assert examples == [] and str(bad) in error
  examples, error = record_examples(MeshRecord("mug/1", 0, synthetic=("mug", 1)), SPEC)
  assert len(examples) == 3 and error is None


def test_spec_validation():
  with pytest.raises(ValueError, match="views_per_mesh"):
    ExampleSpec(views_per_mesh=0)
  with pytest.raises(ValueError, match="scale_range"):
    ExampleSpec(scale_range=(1.2, 0.8))
  with pytest.raises(ValueError, match="scale_range"):
    ExampleSpec(scale_range=(0.8, 1.2, 1.5))
  # A command-line `--config...scale_range=None` on a tuple field arrives as (None,).
  assert ExampleSpec(scale_range=(None,)).scale_range is None
  assert ExampleSpec(scale_range=()).scale_range is None
  with pytest.raises(ValueError, match="channels"):
    ExampleSpec(channels=("depth",))
