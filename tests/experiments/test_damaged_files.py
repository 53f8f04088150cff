"""Damaged files of a workdir or dataset: training resumes from the newest intact checkpoint, and
loaders name the damaged file (or step) and say what to do instead."""

import glob
import os
import shutil

import jax
import numpy as np
import pytest

import data_pipelines
from experiments import export
from experiments.training import loop as train_lib
from experiments.workdir import checkpoints
from experiments.workdir import metrics
from experiments.workdir import templates_file


def damage(path, how):
  """Truncates every file under `path` to half ("truncate") or nothing ("empty"), or empties the
  folder ("folder")."""
  if how == "folder":
    shutil.rmtree(path)
    os.mkdir(path)
    return
  for root, _, names in os.walk(path):
    for name in names:
      with open(os.path.join(root, name), "r+b") as f:
        f.truncate(os.path.getsize(f.name) // 2 if how == "truncate" else 0)


@pytest.fixture
def damaged_copy(trained, tmp_path):
  """(config, original workdir, a copy whose last checkpoint, step 4 of 4, is truncated)."""
  config, workdir = trained
  copy = str(tmp_path / "damaged")
  shutil.copytree(workdir, copy)
  damage(os.path.join(copy, "checkpoints", "4"), "truncate")
  return config, workdir, copy


@pytest.mark.parametrize("how", ["truncate", "empty", "folder"])
def test_loaders_name_the_damaged_step_and_the_intact_one(trained, tmp_path, how):
  _, workdir = trained
  copy = str(tmp_path / how)
  shutil.copytree(workdir, copy)
  damage(os.path.join(copy, "checkpoints", "4"), how)
  with pytest.raises(checkpoints.DamagedCheckpointError,
                     match=r"checkpoint at step 4 in .* is damaged .* Step 2 is intact: pass step=2"):
    export.load_feature_extractor(copy, "block_0")
  export.load_feature_extractor(copy, "block_0", step=2)


def test_training_resumes_from_the_newest_intact_checkpoint(damaged_copy, caplog):
  config, original, copy = damaged_copy
  assert not train_lib.is_complete(config, copy)  # so a chain trains it again instead of skipping
  train_lib.train_and_evaluate(config, copy)
  assert "checkpoint at step 4" in caplog.text and "skipped, resuming" in caplog.text
  assert os.listdir(os.path.join(copy, checkpoints.DAMAGED_DIR))[0].startswith("4.")
  assert [r["step"] for r in metrics.read_metrics(copy) if r["split"] == "train"] == [1, 2, 3, 4]
  # Steps 3 and 4 trained again from step 2: the same model as the uninterrupted run.
  jax.tree.map(np.testing.assert_array_equal, export.load_variables(copy)[1],
               export.load_variables(original)[1])


def test_a_damaged_templates_file_says_how_to_rebuild_it(tmp_path):
  workdir = str(tmp_path)
  path = templates_file.save_templates({"class_names": np.array(["mug"]), "counts": np.array([1]),
                                        "templates": np.zeros((1, 4, 4, 2), np.float32)}, workdir)
  os.truncate(path, os.path.getsize(path) // 2)
  with pytest.raises(ValueError, match=r"templates\.npz is damaged \(BadZipFile.*build_templates "
                                       rf"--workdir={workdir}"):
    templates_file.load_templates(workdir)


@pytest.fixture
def dataset_copy(tiny_config, tmp_path):
  """(data config block reading a copy of the built tiny dataset, the copy's version folder)."""
  data = tiny_config.data
  options = dict(data.builder)
  data_pipelines.load_dataset(data.name, "train", data_dir=data.data_dir, **options)
  built = data_pipelines.make_builder(data.name, data_dir=data.data_dir, **options).data_dir
  copy = os.path.join(str(tmp_path), os.path.relpath(built, data.data_dir))
  shutil.copytree(built, copy)
  data.data_dir = str(tmp_path)
  return data, copy


def open_train(data):
  source = data_pipelines.load_dataset(data.name, "train", data_dir=data.data_dir,
                                       **dict(data.builder))
  return source[0]


@pytest.mark.parametrize("how", ["truncate", "empty"])
def test_a_damaged_shard_is_named_with_how_to_rebuild_it(dataset_copy, how):
  data, folder = dataset_copy
  shard, = glob.glob(os.path.join(folder, "*-train.array_record-*"))
  os.truncate(shard, os.path.getsize(shard) // 2 if how == "truncate" else 0)
  with pytest.raises(ValueError, match=rf"{shard} is damaged .*Delete {folder} and run again"):
    open_train(data)


def test_a_damaged_dataset_info_is_named_with_how_to_rebuild_it(dataset_copy):
  data, folder = dataset_copy
  info = os.path.join(folder, "dataset_info.json")
  os.truncate(info, os.path.getsize(info) // 2)
  with pytest.raises(ValueError, match=rf"{info} is damaged .*: delete {folder} and run again"):
    open_train(data)
