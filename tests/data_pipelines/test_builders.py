"""Tiny builds of every TFDS builder: contents, determinism, parallel = serial, skip-and-report."""

import glob
import importlib.util
import os
import zlib

import numpy as np
import pytest

from data_pipelines import (BatchIterator, load_dataset, load_mesh, normalize_mesh, render_view,
                            spherical_map, synthetic_shape)
from data_pipelines.builders import base
from data_pipelines.builders import shapenet
from tests.data_pipelines.conftest import shared_path

TINY = dict(bandwidth=8, image_size=32, views_per_mesh=2)
SYNTHETIC = dict(TINY, categories=("mug", "chair"), train_per_category=2, test_per_category=1)
# Ray casting and array_record are deterministic, so two builds must agree bit for bit.


def _assert_same(source_a, source_b):
  assert len(source_a) == len(source_b)
  for i in range(len(source_a)):
    a, b = source_a[i], source_b[i]
    assert a["mesh_id"] == b["mesh_id"]
    for key in ("image", "sphere", "rotation", "label"):
      np.testing.assert_array_equal(a[key], b[key])


def _check_example(example, size, bandwidth, channels=1):
  assert example["image"].shape == (size, size, 1) and example["image"].dtype == np.float32
  assert 0 <= example["image"].min() and example["image"].max() <= 1 and example["image"].max() > 0
  assert example["sphere"].shape == (2 * bandwidth, 2 * bandwidth, channels)
  assert example["sphere"].dtype == np.float32
  rotation = example["rotation"]
  assert rotation.shape == (3, 3) and rotation.dtype == np.float32
  np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-6)
  assert example["label"].dtype == np.int32 and example["label"].shape == ()
  assert isinstance(example["mesh_id"], str)


def test_synthetic_shapes_build(tmp_path):
  train, validation, test = (
      load_dataset("synthetic_shapes", split, data_dir=tmp_path, num_workers=1, **SYNTHETIC)
      for split in ("train", "validation", "test"))
  assert train.class_names == ["mug", "chair"]
  # categories x meshes x views; validation takes its meshes out of the training meshes
  assert (len(train) + len(validation), len(test)) == (2 * 2 * 2, 2 * 1 * 2)
  ids = [{e["mesh_id"] for e in split} for split in (train, validation, test)]
  assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
  in_validation = lambda mesh_id: zlib.crc32(mesh_id.encode()) % base.VALIDATION_MODULUS == 0
  assert all(in_validation(i) for i in ids[1]) and not any(in_validation(i) for i in ids[0])
  for example in train:
    _check_example(example, 32, 8)
  # Independent evidence that image, map and rotation belong together: recompute them from the
  # mesh named by the example.
  example = train[0]
  category, seed = example["mesh_id"].split("/")
  assert train.class_names[example["label"]] == category
  mesh = normalize_mesh(synthetic_shape(category, int(seed)))
  np.testing.assert_allclose(example["sphere"], spherical_map(mesh, 8, rotation=example["rotation"]),
                             atol=1e-5)
  assert np.abs(example["image"] - render_view(mesh, 32, rotation=example["rotation"])).mean() < 1e-3
  assert train.info.metadata["skipped_meshes"]["train"]["skipped"] == 0
  # The input pipeline reads the built source in batches.
  batch = next(BatchIterator(train, 4, seed=0))
  assert batch["sphere"].shape == (4, 16, 16, 1) and batch["label"].dtype == np.int32
  assert set(batch["label"].tolist()) <= {0, 1}


def test_builds_are_deterministic_and_parallel_equals_serial(tmp_path):
  serial = load_dataset("synthetic_shapes", "train", data_dir=tmp_path / "a", num_workers=1,
                        **SYNTHETIC)
  parallel = load_dataset("synthetic_shapes", "train", data_dir=tmp_path / "b", num_workers=2,
                          **SYNTHETIC)
  _assert_same(serial, parallel)
  reseeded = load_dataset("synthetic_shapes", "train", data_dir=tmp_path / "c", num_workers=1,
                          seed=1, **SYNTHETIC)
  assert not np.array_equal(serial[0]["rotation"], reseeded[0]["rotation"])


def test_a_split_too_large_for_memory_spills_to_disk_without_tensorflow(tmp_path, monkeypatch):
  # TFDS keeps a split in memory up to MAX_MEM_BUFFER_SIZE (1 GB), then writes bucket files; with 0
  # every example goes through the files. Without TensorFlow this used to fail after generating
  # the whole split; now the result equals the in-memory build bit for bit.
  from tensorflow_datasets.core import shuffle  # pylint: disable=import-outside-toplevel
  in_memory = load_dataset("synthetic_shapes", "train", data_dir=tmp_path / "a", num_workers=1,
                           **SYNTHETIC)
  monkeypatch.setattr(shuffle, "MAX_MEM_BUFFER_SIZE", 0)
  spilled = load_dataset("synthetic_shapes", "train", data_dir=tmp_path / "b", num_workers=1,
                         **SYNTHETIC)
  _assert_same(in_memory, spilled)
  assert not glob.glob(str(tmp_path / "b" / "**" / "bucket_*.tmp"), recursive=True)


def test_options_reach_the_examples(tmp_path):
  source = load_dataset("synthetic_shapes", "train", data_dir=tmp_path, num_workers=1,
                        rotation_mode="2dof", channels=("distance", "normal_cosine"),
                        scale_range=(0.7, 1.3), surface_dropout=1.0, **SYNTHETIC)
  example = source[0]
  _check_example(example, 32, 8, channels=2)
  up_in_camera = example["rotation"][:, 2]  # 2dof: the z (up) axis stays vertical in the image
  assert abs(up_in_camera[0]) < 1e-6 and up_in_camera[1] > 0
  # Anisotropic scaling changes the shape, so the map differs from the unscaled mesh's.
  category, seed = example["mesh_id"].split("/")
  unscaled = spherical_map(normalize_mesh(synthetic_shape(category, int(seed))), 8,
                           rotation=example["rotation"])
  assert np.abs(example["sphere"][..., :1] - unscaled).mean() > 1e-3
  # Scaling and surface dropout augment the training split only: test maps are those of the true
  # shapes.
  example = load_dataset("synthetic_shapes", "test", data_dir=tmp_path, num_workers=1,
                         rotation_mode="2dof", channels=("distance", "normal_cosine"),
                         scale_range=(0.7, 1.3), surface_dropout=1.0, **SYNTHETIC)[0]
  category, seed = example["mesh_id"].split("/")
  unscaled = spherical_map(normalize_mesh(synthetic_shape(category, int(seed))), 8,
                           rotation=example["rotation"])
  np.testing.assert_allclose(example["sphere"][..., :1], unscaled, atol=1e-5)


def _write_off(path, mesh, header="OFF\n{} {} 0"):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with open(path, "w") as f:
    f.write(header.format(len(mesh.vertices), len(mesh.faces)) + "\n")
    f.writelines(f"{x} {y} {z}\n" for x, y, z in mesh.vertices)
    f.writelines(f"3 {a} {b} {c}\n" for a, b, c in mesh.faces)


def _modelnet_dir(root):
  """chair and table, train and test; in the training folders one malformed header and two
  unreadable files, table_0006 (train split) and table_0005 (the only validation mesh)."""
  for split, seeds in (("train", (0, 1)), ("test", (2,))):
    for name in ("chair", "table"):
      for seed in seeds:
        _write_off(root / name / split / f"{name}_{seed:04d}.off", synthetic_shape(name, seed))
  _write_off(root / "chair" / "train" / "chair_0009.off", synthetic_shape("chair", 9),
             header="OFF{} {} 0")  # ModelNet's glued header: read, not skipped
  for name in ("table_0005", "table_0006"):
    with open(root / "table" / "train" / f"{name}.off", "w") as f:
      f.write("OFF\n3 1 0\n0 0 0\n")  # truncated: skipped and reported
  return root


def test_modelnet_build_skips_and_reports_bad_files(tmp_path):
  mesh_dir = _modelnet_dir(tmp_path / "meshes")
  train = load_dataset("modelnet", "train", data_dir=tmp_path / "data", mesh_dir=mesh_dir,
                       categories=("chair", "table"), num_workers=1, **TINY)
  assert train.class_names == ["chair", "table"]
  assert len(train) == (3 + 2) * 2  # 3 chairs (one glued header) + 2 good tables, 2 views each
  ids = {e["mesh_id"] for e in train}
  assert "chair/chair_0009" in ids and not {"table/table_0005", "table/table_0006"} & ids
  # table_0005 is the only validation mesh (by its crc32) and unreadable: the build finishes
  # without a validation split and reports the file there.
  assert zlib.crc32(b"table/table_0005") % base.VALIDATION_MODULUS == 0
  assert set(train.info.splits) == {"train", "test"}
  report = train.info.metadata["skipped_meshes"]
  assert (report["train"]["meshes_found"], report["train"]["skipped"]) == (6, 1)
  assert report["train"]["files"][0]["mesh_id"] == "table/table_0006"
  assert "table_0006.off" in report["train"]["files"][0]["error"]
  assert (report["validation"]["meshes_found"], report["validation"]["skipped"]) == (1, 1)
  assert "table_0005.off" in report["validation"]["files"][0]["error"]
  assert report["validation"]["files"][0]["mesh_id"] == "table/table_0005"
  # The report survives reloading the built dataset (no mesh_dir needed then).
  reloaded = load_dataset("modelnet", "train", data_dir=tmp_path / "data",
                          categories=("chair", "table"), num_workers=1, **TINY)
  assert reloaded.info.metadata["skipped_meshes"]["train"]["skipped"] == 1
  assert reloaded.info.metadata["skipped_meshes"]["validation"]["skipped"] == 1


def test_modelnet_needs_official_layout(tmp_path):
  with pytest.raises(ValueError, match="official layout"):
    load_dataset("modelnet", "train", data_dir=tmp_path, mesh_dir=tmp_path,
                 categories=("chair",), **TINY)
  with pytest.raises(ValueError, match="not modelnet10 classes"):
    load_dataset("modelnet", "train", data_dir=tmp_path, mesh_dir=tmp_path,
                 categories=("airplane",), **TINY)


def test_modelnet_build_on_real_meshes(tmp_path):
  source_dir = shared_path("modelnet10")
  mesh_dir = tmp_path / "meshes"
  for name in ("bed", "toilet"):  # two real meshes per class and split, linked (never copied)
    for split in ("train", "test"):
      os.makedirs(mesh_dir / name / split)
      for path in sorted(glob.glob(os.path.join(source_dir, name, split, "*.off")))[:2]:
        os.symlink(path, mesh_dir / name / split / os.path.basename(path))
  test = load_dataset("modelnet", "test", data_dir=tmp_path / "data", mesh_dir=mesh_dir,
                      categories=("bed", "toilet"), num_workers=1, **TINY)
  assert len(test) == 2 * 2 * 2
  example = test[0]
  _check_example(example, 32, 8)
  name, file_id = example["mesh_id"].split("/")
  mesh = normalize_mesh(load_mesh(os.path.join(source_dir, name, "test", file_id + ".off")))
  np.testing.assert_allclose(example["sphere"], spherical_map(mesh, 8, rotation=example["rotation"]),
                             atol=1e-5)


def _ids_in_split(prefix, test, count):
  """Model ids that the shapenet builder assigns to the test split (test=True) or to train."""
  ids = (f"{prefix}{i:04d}" for i in range(1000))
  chosen = [i for i in ids if (zlib.crc32(i.encode()) % shapenet.TEST_MODULUS == 0) == test]
  return chosen[:count]


def test_shapenet_build_reads_v1_v2_and_flat_layouts(tmp_path):
  mesh_dir = tmp_path / "shapenet"
  layouts = {  # synset folder -> how its models are stored
      "03001627": lambda model: os.path.join(model, "model.obj"),  # v1, chair
      "02691156": lambda model: os.path.join(model, "models", "model_normalized.obj"),  # v2
      "mug": lambda model: model + ".obj",  # flat, folder named by category
  }
  for folder, layout in layouts.items():
    for test in (False, True):
      for model in _ids_in_split(folder, test, 1 if test else 2):
        path = mesh_dir / folder / layout(model)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        synthetic_shape("mug", len(model)).export(str(path))
  train = load_dataset("shapenet", "train", data_dir=tmp_path / "data", mesh_dir=mesh_dir,
                       num_workers=1, **TINY)
  test = load_dataset("shapenet", "test", data_dir=tmp_path / "data", mesh_dir=mesh_dir,
                      num_workers=1, **TINY)
  assert train.class_names == ["airplane", "chair", "mug"]  # synset ids mapped to names
  assert (len(train), len(test)) == (3 * 2 * 2, 3 * 1 * 2)
  _check_example(train[0], 32, 8)
  assert train.info.metadata["up_axis"] == "y"
  # ShapeNet is y up: in 2dof mode the y axis stays vertical in the image.
  two_dof = load_dataset("shapenet", "test", data_dir=tmp_path / "data", mesh_dir=mesh_dir,
                         categories=("chair",), rotation_mode="2dof", num_workers=1, **TINY)
  up_in_camera = two_dof[0]["rotation"][:, 1]
  assert abs(up_in_camera[0]) < 1e-6 and up_in_camera[1] > 0


def test_shapenet_real_samples(tmp_path):
  samples = shared_path("samples", "shapenet")
  mesh_dir = tmp_path / "shapenet"
  os.makedirs(mesh_dir / "airplane")
  for path in sorted(glob.glob(os.path.join(samples, "airplane", "*.obj"))):
    os.symlink(path, mesh_dir / "airplane" / os.path.basename(path))  # .obj with absent .mtl
  source = load_dataset("shapenet", "train", data_dir=tmp_path / "data", mesh_dir=mesh_dir,
                        num_workers=1, bandwidth=8, image_size=32)
  assert len(source) > 0 and source.info.metadata["skipped_meshes"]["train"]["skipped"] == 0
  _check_example(source[0], 32, 8)


def test_unknown_options_are_rejected(tmp_path):
  with pytest.raises(ValueError, match="unknown dataset"):
    load_dataset("imagenet", "train", data_dir=tmp_path)
  with pytest.raises(ValueError, match="unknown synthetic_shapes options"):
    load_dataset("synthetic_shapes", "train", data_dir=tmp_path, views=3)
  with pytest.raises(ValueError, match="rotation_mode"):
    load_dataset("synthetic_shapes", "train", data_dir=tmp_path, rotation_mode="6dof")


@pytest.mark.skipif(importlib.util.find_spec("apache_beam") is None,
                    reason="Apache Beam is an optional extra: pip install -e .[beam]")
def test_beam_direct_runner_build_equals_local_build(tmp_path):
  local = load_dataset("synthetic_shapes", "train", data_dir=tmp_path / "a", num_workers=1,
                       **SYNTHETIC)
  beam = load_dataset("synthetic_shapes", "train", data_dir=tmp_path / "b",
                      beam_runner="DirectRunner", **SYNTHETIC)
  _assert_same(local, beam)
  assert beam.info.metadata["skipped_meshes"]["train"]["skipped"] == 0


@pytest.mark.skipif(importlib.util.find_spec("apache_beam") is None,
                    reason="Apache Beam is an optional extra: pip install -e .[beam]")
def test_beam_build_skips_bad_files(tmp_path):
  mesh_dir = _modelnet_dir(tmp_path / "meshes")
  train = load_dataset("modelnet", "train", data_dir=tmp_path / "data", mesh_dir=mesh_dir,
                       categories=("chair", "table"), beam_runner="DirectRunner", **TINY)
  assert len(train) == (3 + 2) * 2
  assert train.info.metadata["skipped_meshes"]["train"]["skipped"] == 1
