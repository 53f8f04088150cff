"""Mesh readers and normalisation: every format, ModelNet's malformed header, bad files."""

import glob
import os
import subprocess
import sys

import numpy as np
import pytest
import trimesh

from data_pipelines import MeshError, hull_area_ratio, load_mesh, normalize_mesh
from tests.data_pipelines.conftest import shared_path

# A tetrahedron: 4 vertices, 4 faces, as written in each test file.
TETRA_VERTICES = np.array([[0, 0, 0], [2, 0, 0], [0, 3, 0], [0, 0, 4]], np.float64)
TETRA_FACES = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])


def _off_text(header_line: str) -> str:
  rows = [" ".join(map(str, v)) for v in TETRA_VERTICES]
  rows += ["3 " + " ".join(map(str, f)) for f in TETRA_FACES]
  return header_line + "\n" + "\n".join(rows) + "\n"


def _write(path, text):
  with open(path, "w") as f:
    f.write(text)
  return str(path)


def _assert_tetrahedron(mesh):
  np.testing.assert_allclose(mesh.vertices, TETRA_VERTICES)
  np.testing.assert_array_equal(mesh.faces, TETRA_FACES)


def test_off(tmp_path):
  _assert_tetrahedron(load_mesh(_write(tmp_path / "a.off", _off_text("OFF\n4 4 0"))))


def test_off_with_modelnet_malformed_header(tmp_path):
  # ModelNet ships files whose counts are glued to the keyword: "OFF4 4 0".
  _assert_tetrahedron(load_mesh(_write(tmp_path / "a.off", _off_text("OFF4 4 0"))))


def test_obj_with_missing_material_and_no_pillow(tmp_path):
  # An .obj naming an absent .mtl and carrying texture coordinates, read in a Python where Pillow
  # cannot be imported: only the geometry matters.
  lines = ["mtllib missing.mtl", "usemtl wood"]
  lines += [f"v {x} {y} {z}" for x, y, z in TETRA_VERTICES]
  lines += ["vt 0 0", "vt 1 0", "vt 0 1"]
  lines += [f"f {a + 1}/1 {b + 1}/2 {c + 1}/3" for a, b, c in TETRA_FACES]
  path = _write(tmp_path / "a.obj", "\n".join(lines) + "\n")
  script = ("import sys; sys.modules['PIL'] = None\n"
            "from data_pipelines import load_mesh\n"
            f"m = load_mesh({path!r}); print(len(m.vertices), len(m.faces), m.area)")
  result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=os.path.join(os.path.dirname(__file__), "..", ".."), check=True)
  vertices, faces, area = result.stdout.split()
  assert (int(faces), float(area)) == (4, pytest.approx(trimesh.Trimesh(TETRA_VERTICES,
                                                                        TETRA_FACES).area))
  assert int(vertices) >= 4  # texture seams may split vertices; the surface is what matters


@pytest.mark.parametrize("extension", ["ply", "stl", "glb"])
def test_other_trimesh_formats(tmp_path, extension):
  path = str(tmp_path / f"a.{extension}")
  trimesh.Trimesh(TETRA_VERTICES, TETRA_FACES).export(path)
  mesh = load_mesh(path)
  assert len(mesh.faces) == 4
  assert mesh.area == pytest.approx(trimesh.Trimesh(TETRA_VERTICES, TETRA_FACES).area, rel=1e-6)


@pytest.mark.parametrize("name,text,problem", [
    ("empty.off", "OFF\n0 0 0\n", "empty mesh"),
    ("noface.off", "OFF\n3 0 0\n0 0 0\n1 0 0\n0 1 0\n", "no triangle faces"),
    ("point.off", "OFF\n3 1 0\n1 1 1\n1 1 1\n1 1 1\n3 0 1 2\n", "degenerate"),
    ("flat.off", "OFF\n3 1 0\n0 0 0\n1 1 1\n2 2 2\n3 0 1 2\n", "zero area"),
    ("nan.off", "OFF\n3 1 0\nnan 0 0\n1 0 0\n0 1 0\n3 0 1 2\n", "non-finite"),
    ("garbage.off", "this is not a mesh\n", "unreadable"),
    ("truncated.off", "OFF\n4 4 0\n0 0 0\n1 0 0\n", "unreadable"),
])
def test_bad_files_raise_naming_file_and_problem(tmp_path, name, text, problem):
  path = _write(tmp_path / name, text)
  with pytest.raises(MeshError, match=problem) as error:
    load_mesh(path)
  assert path in str(error.value)


def test_missing_file(tmp_path):
  with pytest.raises(MeshError, match="no such mesh file"):
    load_mesh(tmp_path / "absent.off")


def test_normalize_mesh_centres_and_fits_unit_ball():
  mesh = trimesh.Trimesh(TETRA_VERTICES * 7 + [5, -3, 2], TETRA_FACES)
  normalized = normalize_mesh(mesh)
  vertices = normalized.vertices
  np.testing.assert_allclose(vertices.min(0) + vertices.max(0), 0, atol=1e-12)  # bbox centred
  assert np.linalg.norm(vertices, axis=1).max() == pytest.approx(1.0, abs=1e-12)
  # Same shape: a similarity transform preserves ratios of edge lengths.
  assert normalized.area / mesh.area == pytest.approx(
      (1.0 / np.linalg.norm(mesh.vertices - mesh.vertices.mean(0), axis=1).max()) ** 2, rel=0.5)
  np.testing.assert_allclose(normalized.edges_unique_length / normalized.edges_unique_length[0],
                             mesh.edges_unique_length / mesh.edges_unique_length[0])


def test_real_modelnet_and_shapenet_meshes():
  off_files = sorted(glob.glob(os.path.join(shared_path("modelnet10"), "*", "train", "*.off")))
  obj_files = sorted(glob.glob(os.path.join(shared_path("samples", "shapenet"), "*", "*.obj")))
  for path in off_files[::400] + obj_files[::10]:
    mesh = normalize_mesh(load_mesh(path))
    assert len(mesh.faces) > 0 and np.linalg.norm(mesh.vertices, axis=1).max() == pytest.approx(1)


def test_hull_area_ratio():
  box = trimesh.creation.box(extents=(1.0, 2.0, 3.0))
  assert hull_area_ratio(box) == pytest.approx(1.0, rel=1e-9)  # convex and closed
  # Two 1×2 sides of 22 units of box area left: the loss a bad simplification can cause.
  sides = trimesh.Trimesh(box.vertices, box.faces[np.abs(box.face_normals[:, 2]) > 0.5])
  assert hull_area_ratio(sides) == pytest.approx(4.0 / 22.0)
  # A box inside a box: the inner surface adds to the area, not to the hull.
  nested = trimesh.util.concatenate([box, trimesh.creation.box(extents=(0.5, 1.0, 1.5))])
  assert hull_area_ratio(nested) == pytest.approx(1.25)
  flat = trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 2]])
  with pytest.raises(MeshError, match="degenerate"):
    hull_area_ratio(flat)
