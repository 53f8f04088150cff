"""Bad input to load_mesh, spherical_map, render_view and load_dataset: a ValueError (MeshError for
mesh files) whose message names the argument and what was expected; and builds that cannot finish
(a script without a main guard, a killed or interrupted build) stop cleanly and leave nothing that
reads as a complete dataset."""

import glob
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import trimesh

import data_pipelines as dp
from data_pipelines import MeshError, load_dataset, load_mesh, render_view, spherical_map
from data_pipelines.builders import base

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# A dataset that builds in about a second: 8 × 8 views, 16 × 16 maps.
TINY = dict(bandwidth=8, image_size=8, num_workers=1)
# chair/0000000 is the only validation mesh (crc32 % 8 == 0): splits of 3, 1 and 2 meshes.
SMALL = dict(TINY, categories=("mug", "chair"), train_per_category=2, test_per_category=1)


def _write(path, text="", mode="w"):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with open(path, mode) as f:
    f.write(text)
  return str(path)


TRIANGLE = "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n"


@pytest.mark.parametrize("name,content,message", [
    ("empty.off", "", "unreadable mesh"),
    ("junk.off", "\x00\x01garbage\n" * 20, "unreadable mesh"),
    ("truncated.off", "OFF\n3 1 0\n0 0 0\n", "unreadable mesh"),
    ("bad_index.off", TRIANGLE.replace("3 0 1 2", "3 0 1 7"), "face index"),
    ("nan.off", TRIANGLE.replace("1 0 0", "nan 0 0"), "non-finite vertex"),
    ("flat.off", "OFF\n3 1 0\n0 0 0\n0 0 0\n0 0 0\n3 0 1 2\n", "degenerate"),
    ("no_faces.off", "OFF\n3 0 0\n0 0 0\n1 0 0\n0 1 0\n", "no triangle faces|not a triangle mesh"),
    ("unknown_format.xyz", "1 2 3\n", "unreadable mesh"),
])
def test_load_mesh_rejects_bad_files_naming_them(tmp_path, name, content, message):
  path = _write(tmp_path / name, content)
  with pytest.raises(MeshError, match=message) as error:
    load_mesh(path)
  assert str(error.value).startswith(path)


def test_load_mesh_rejects_missing_paths_folders_and_non_paths(tmp_path):
  with pytest.raises(MeshError, match=r"missing\.off: no such mesh file"):
    load_mesh(tmp_path / "missing.off")
  with pytest.raises(MeshError, match="a directory, not a mesh file"):
    load_mesh(tmp_path)  # an empty folder
  for not_a_path in (None, 3, ["a.off"]):
    with pytest.raises(MeshError, match=r"path must be a mesh file path \(str or os\.PathLike\)"):
      load_mesh(not_a_path)
  assert issubclass(MeshError, ValueError)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root reads files without read permission")
def test_load_mesh_rejects_a_file_without_read_permission(tmp_path):
  path = _write(tmp_path / "locked.off", TRIANGLE)
  os.chmod(path, 0)
  with pytest.raises(MeshError, match="unreadable mesh"):
    load_mesh(path)


@pytest.fixture(scope="module")
def mesh():
  return dp.normalize_mesh(dp.synthetic_shape("mug", 0))


REFLECTION = np.diag([1.0, 1.0, -1.0])

RAYCAST_CASES = {  # name: (function(mesh) -> call, message)
    "map: bandwidth 0": (lambda m: spherical_map(m, 0), r"bandwidth must be an integer >= 1"),
    "map: bandwidth 2.5": (lambda m: spherical_map(m, 2.5), r"bandwidth must be an integer >= 1"),
    "map: unknown channel": (lambda m: spherical_map(m, 8, ("depth",)), r"channels must be a non-"),
    "map: no channel": (lambda m: spherical_map(m, 8, ()), r"channels must be a non-empty"),
    "view: size 0": (lambda m: render_view(m, 0), r"size must be an integer >= 1, got 0"),
    "view: size True": (lambda m: render_view(m, True), r"size must be an integer >= 1, got True"),
}
for _name, _call in (("map", lambda m, **kw: spherical_map(m, 4, **kw)),
                     ("view", lambda m, **kw: render_view(m, 4, **kw))):
  RAYCAST_CASES.update({
      f"{_name}: reflection": (lambda m, c=_call: c(m, rotation=REFLECTION),
                               r"rotation is not a rotation matrix.*det = -1"),
      f"{_name}: scaled": (lambda m, c=_call: c(m, rotation=2 * np.eye(3)), r"det = 8"),
      f"{_name}: NaN rotation": (lambda m, c=_call: c(m, rotation=np.full((3, 3), np.nan)),
                                 r"rotation contains NaN or inf"),
      f"{_name}: batch of rotations": (lambda m, c=_call: c(m, rotation=np.stack([np.eye(3)] * 2)),
                                       r"rotation must be one \(3, 3\) rotation .*\(2, 3, 3\)"),
      f"{_name}: 2 × 2 rotation": (lambda m, c=_call: c(m, rotation=np.eye(2)), r"\(2, 2\)"),
      f"{_name}: text rotation": (lambda m, c=_call: c(m, rotation="identity"),
                                  r"rotation must be a \(3, 3\) rotation matrix or None"),
      f"{_name}: mesh outside the unit ball": (
          lambda m, c=_call: c(m.copy().apply_scale(3.0)), r"mesh must lie in the unit ball"),
      f"{_name}: no mesh": (lambda m, c=_call: c(None),
                            r"mesh must be a trimesh\.Trimesh .* got NoneType"),
      f"{_name}: an array for a mesh": (lambda m, c=_call: c(np.ones((4, 3))), r"got ndarray"),
      f"{_name}: empty mesh": (lambda m, c=_call: c(trimesh.Trimesh()), r"mesh must have at "),
      f"{_name}: NaN vertex": (
          lambda m, c=_call: c(trimesh.Trimesh([[0, 0, 0], [np.nan, 0, 0], [0, .5, 0]], [[0, 1, 2]],
                                               process=False)), r"finite vertices"),
  })


@pytest.mark.parametrize("case", RAYCAST_CASES)
def test_ray_casting_rejects_bad_arguments(mesh, case):
  call, message = RAYCAST_CASES[case]
  with pytest.raises(ValueError, match=message):
    call(mesh)


def test_a_single_channel_name_is_one_channel(mesh):
  # It used to be split into letters ("d", "i", "s", ...) and rejected with a puzzling message.
  np.testing.assert_array_equal(spherical_map(mesh, 4, "distance"),
                                spherical_map(mesh, 4, ("distance",)))


@pytest.mark.parametrize("kwargs,message", [
    (dict(name="imagenet"), r"unknown dataset 'imagenet'; expected one of"),
    (dict(split=None), r"split must be a TFDS split name or expression .* got None"),
    (dict(split=["train"]), r"split must be a TFDS split name"),
    (dict(num_workers=-1), r"num_workers must be None or an integer >= 0 .* got -1"),
    (dict(num_workers=1.5), r"num_workers must be None or an integer >= 0 .* got 1\.5"),
    (dict(num_workers=True), r"num_workers must be None or an integer >= 0 .* got True"),
    (dict(bandwidth=0), r"bandwidth must be an integer >= 1, got 0"),
    (dict(image_size=-8), r"image_size must be an integer >= 1, got -8"),
    (dict(channels=("depth",)), r"channels must be a non-empty sequence of"),
    (dict(categories=()), r"categories must be distinct names"),
    (dict(categories=("dragon",)), r"unknown synthetic categories \['dragon'\]"),
    (dict(train_per_category=0), r"train_per_category must be a positive integer, got 0"),
    (dict(views=2), r"unknown synthetic_shapes options: \['views'\]"),
    (dict(mesh_dir="meshes"), r"synthetic_shapes generates its meshes; it takes no mesh_dir"),
])
def test_load_dataset_rejects_bad_options_before_building(tmp_path, kwargs, message):
  kwargs = {"name": "synthetic_shapes", "split": "train", "data_dir": tmp_path, **SMALL, **kwargs}
  with pytest.raises(ValueError, match=message):
    load_dataset(**kwargs)
  assert not glob.glob(str(tmp_path / "**" / "*.array_record*"), recursive=True)


def test_load_dataset_rejects_a_file_as_data_dir(tmp_path):
  data_dir = _write(tmp_path / "not_a_folder", "x")
  with pytest.raises(ValueError, match=r"data_dir must be a directory .*not_a_folder'"):
    load_dataset("synthetic_shapes", "train", data_dir=data_dir, **SMALL)


@pytest.mark.parametrize("layout,message", [
    ("missing", r"modelnet needs mesh_dir, a directory with <class>/\{train,test\}/\*\.off; got "
                r"'.*meshes'"),
    ("file", r"modelnet needs mesh_dir, a directory"),
    ("empty folder", r"chair/train is missing: expected the official layout"),
    ("empty class folders", r"modelnet: no meshes found for split 'train' in mesh_dir '.*meshes'"),
    ("no mesh_dir", r"modelnet needs mesh_dir, a directory with .* got None"),
])
def test_load_dataset_rejects_missing_and_empty_mesh_folders(tmp_path, layout, message):
  mesh_dir = tmp_path / "meshes"
  if layout == "file":
    _write(mesh_dir, "x")
  elif layout == "empty folder":
    os.makedirs(mesh_dir)
  elif layout == "empty class folders":
    for split in ("train", "test"):
      os.makedirs(mesh_dir / "chair" / split)
  kwargs = {} if layout == "no mesh_dir" else {"mesh_dir": mesh_dir}
  with pytest.raises(ValueError, match=message):
    load_dataset("modelnet", "train", data_dir=tmp_path / "data", categories=("chair",), **TINY,
                 **kwargs)


def test_shapenet_rejects_an_empty_folder(tmp_path):
  os.makedirs(tmp_path / "shapenet")
  with pytest.raises(ValueError, match=r"shapenet: no meshes found for split 'train' in mesh_dir"):
    load_dataset("shapenet", "train", data_dir=tmp_path / "data", mesh_dir=tmp_path / "shapenet",
                 **TINY)


def test_an_empty_validation_split_says_why(tmp_path):
  # Two training meshes per class, neither of whose ids hashes to validation. TFDS said only
  # "Unknown split 'validation'. Should be one of ['train', 'test']".
  kwargs = dict(TINY, categories=("mug",), train_per_category=2, test_per_category=1)
  assert len(load_dataset("synthetic_shapes", "train", data_dir=tmp_path, **kwargs)) == 2
  for split in ("validation", "train+validation", "validation[:50%]"):
    with pytest.raises(ValueError, match=r"split 'validation' of synthetic_shapes/.* is empty") as (
        error):
      load_dataset("synthetic_shapes", split, data_dir=tmp_path, **kwargs)
    message = str(error.value)
    assert f"crc32(mesh_id) % {base.VALIDATION_MODULUS} == 0" in message
    assert "VALIDATION_MODULUS" in message and "none of its 2 training meshes" in message
  with pytest.raises(ValueError, match=r"split 'valid' of synthetic_shapes/.*Unknown split"):
    load_dataset("synthetic_shapes", "valid", data_dir=tmp_path, **kwargs)
  with pytest.raises(ValueError, match=r"split 'train\[:0\]' .* selects no examples .*'train': 2"):
    load_dataset("synthetic_shapes", "train[:0]", data_dir=tmp_path, **kwargs)


def test_a_validation_split_of_unreadable_meshes_says_so(tmp_path):
  # table_0005 is the only validation mesh (by its crc32), and it is truncated.
  mesh_dir = tmp_path / "meshes"
  for path in ("chair/train/chair_0000.off", "chair/test/chair_0002.off",
               "table/test/table_0003.off"):
    _write(mesh_dir / path, TRIANGLE)
  _write(mesh_dir / "table/train/table_0005.off", "OFF\n3 1 0\n0 0 0\n")
  kwargs = dict(TINY, mesh_dir=mesh_dir, categories=("chair", "table"))
  with pytest.raises(ValueError, match=r"the 1 such mesh \(of 2 training meshes\) could not be "
                                       r"read \(.*table_0005\.off: unreadable mesh"):
    load_dataset("modelnet", "validation", data_dir=tmp_path / "data", **kwargs)


def _run_script(path, timeout):
  """(exit status, output, seconds) of `python path`; kills its whole process group on timeout, so
  that no worker outlives the test."""
  env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")]),
             JAX_PLATFORMS="cpu")
  start = time.time()
  process = subprocess.Popen([sys.executable, str(path)], cwd=os.path.dirname(path), env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
  try:
    output, _ = process.communicate(timeout=timeout)
  except subprocess.TimeoutExpired:
    os.killpg(process.pid, signal.SIGKILL)
    output, _ = process.communicate()
    pytest.fail(f"{path} still ran after {timeout} s (a hung build?); output:\n{output[-3000:]}")
  finally:
    try:
      os.killpg(process.pid, signal.SIGKILL)  # any worker left behind
    except ProcessLookupError:
      pass
  return process.returncode, output, time.time() - start


def test_a_parallel_build_from_a_script_without_main_guard_stops_with_advice(tmp_path):
  # Every spawned worker re-ran the script, failed in multiprocessing's "bootstrapping phase", and
  # multiprocessing.Pool replaced it: the build hung forever.
  script = tmp_path / "build.py"
  script.write_text(textwrap.dedent(f"""\
      import data_pipelines as dp
      src = dp.load_dataset("synthetic_shapes", "train", data_dir={str(tmp_path / "data")!r},
                            categories=("mug",), train_per_category=4, test_per_category=1,
                            bandwidth=8, image_size=8, num_workers=2)
      print("built", len(src))
      """))
  status, output, _ = _run_script(script, timeout=150)
  assert status != 0 and "built" not in output
  assert "RuntimeError: synthetic_shapes/train: a worker process stopped" in output
  assert 'under `if __name__ == "__main__":`, or pass num_workers=1' in output
  assert "RuntimeError: a dataset build started in a worker process while it was starting up" in (
      output)  # the worker's own message
  assert not _dataset_dirs(tmp_path / "data")  # TFDS removed its temporary folder


def _dataset_dirs(data_dir):
  """The version folders (complete or not) of every built config under data_dir."""
  paths = glob.glob(os.path.join(data_dir, "*", "*", "*"))
  return sorted(os.path.relpath(p, data_dir) for p in paths if os.path.isdir(p))


def _assert_complete(data_dir):
  """The SMALL dataset, read back with every split full."""
  counts = {split: len(load_dataset("synthetic_shapes", split, data_dir=data_dir, **SMALL))
            for split in ("train", "validation", "test")}
  assert counts == {"train": 3, "validation": 1, "test": 2}


def test_an_interrupted_build_leaves_nothing_that_reads_as_complete(tmp_path, monkeypatch):
  # Ctrl-C while the test split is being generated, after train and validation were written.
  original = base._record_examples_task

  def interrupt_at_the_test_split(task):
    record, _ = task
    if int(record.mesh_id.split("/")[1]) >= 1_000_000:  # test shapes' seeds
      raise KeyboardInterrupt
    return original(task)

  with monkeypatch.context() as patch:
    patch.setattr(base, "_record_examples_task", interrupt_at_the_test_split)
    with pytest.raises(KeyboardInterrupt):
      load_dataset("synthetic_shapes", "train", data_dir=tmp_path, **SMALL)
  assert not [d for d in _dataset_dirs(tmp_path) if d.endswith("1.1.0") and "incomplete" not in d]
  _assert_complete(tmp_path)


def test_a_killed_build_is_rebuilt_in_full(tmp_path):
  # SIGKILL (no clean-up at all) while the test split is being generated: train and validation
  # are on disk, in TFDS's temporary folder.
  script = tmp_path / "build.py"
  script.write_text(textwrap.dedent(f"""\
      import time
      import data_pipelines as dp
      from data_pipelines.builders import base

      original = base._record_examples_task

      def block_at_the_test_split(task):
        if int(task[0].mesh_id.split("/")[1]) >= 1_000_000:
          open({str(tmp_path / "started")!r}, "w").close()
          time.sleep(600)
        return original(task)

      base._record_examples_task = block_at_the_test_split
      dp.load_dataset("synthetic_shapes", "train", data_dir={str(tmp_path)!r}, **{SMALL!r})
      """))
  env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")]),
             JAX_PLATFORMS="cpu")
  with open(tmp_path / "build.log", "w") as log:
    process = subprocess.Popen([sys.executable, str(script)], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
  try:
    deadline = time.time() + 120
    while not os.path.exists(tmp_path / "started"):
      assert process.poll() is None and time.time() < deadline, (
          "the build did not reach the test split: " + (tmp_path / "build.log").read_text()[-3000:])
      time.sleep(0.1)
    written = glob.glob(str(tmp_path / "**" / "*-train.array_record*"), recursive=True)
    assert written and all("incomplete" in path for path in written)
  finally:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
  assert [d for d in _dataset_dirs(tmp_path) if "incomplete" in d]  # the half-written build
  _assert_complete(tmp_path)
