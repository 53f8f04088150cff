"""experiments.evaluate_classifier (binary) and classifier_evaluation: a tiny trained run, the
report, damaged meshes."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import trimesh

from experiments import export
from experiments.evaluation import classifier as classifier_evaluation
from experiments.stages import datasets
from experiments.workdir import config_io
from experiments.workdir import metrics

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_binary_reproduces_the_training_evaluation(trained, binary_env):
  _, workdir = trained
  env = binary_env()
  result = subprocess.run([sys.executable, "-m", "experiments.evaluate_classifier",
                           f"--workdir={workdir}"], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-4000:]
  assert "test: accuracy" in result.stdout and "airplane" in result.stdout
  with open(os.path.join(workdir, "evaluation_test.json")) as f:
    summary = json.load(f)
  # The tiny config evaluates on "test" (its eval split) after the last step: same checkpoint, same
  # maps, so the same accuracy.
  final_eval = [r for r in metrics.read_metrics(workdir) if r["split"] == "eval"][-1]
  assert summary["accuracy"] == pytest.approx(final_eval["accuracy"])
  assert summary["num_examples"] == final_eval["num_examples"]
  assert np.sum(summary["confusion_matrix"]) == summary["num_examples"]
  assert summary["class_names"] == ["airplane", "mug"]
  assert "damaged" not in summary  # synthetic shapes: no mesh files
  with open(os.path.join(workdir, "confusion_test.png"), "rb") as f:
    assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_ensemble_averages_its_members_probabilities(trained, tmp_path):
  _, workdir = trained
  # A second member: the same run as of its step-2 checkpoint (other parameters, same maps).
  earlier = str(tmp_path / "earlier")
  shutil.copytree(workdir, earlier)
  shutil.rmtree(os.path.join(earlier, "checkpoints", "4"))
  members = []
  for member in (workdir, earlier):
    stage, variables = export.load_variables(member)
    source = datasets.open_split(stage.config.data, "test")
    members.append(classifier_evaluation.predict(stage, variables, source, 3))
  labels = members[0][1]
  expected = ((members[0][0] + members[1][0]) / 2).argmax(axis=-1)
  assert not np.array_equal(members[0][0], members[1][0])

  summary = classifier_evaluation.evaluate([workdir, earlier], "test", batch_size=3,
                                           output_dir=str(tmp_path / "ensemble"))
  assert summary["accuracy"] == pytest.approx(np.mean(expected == labels))
  assert summary["member_accuracy"] == [pytest.approx(np.mean(p.argmax(-1) == labels))
                                        for p, _, _ in members]
  assert summary["workdirs"] == [workdir, earlier]
  assert os.path.isfile(tmp_path / "ensemble" / "evaluation_test.json")
  assert os.path.isfile(tmp_path / "ensemble" / "confusion_test.png")
  np.testing.assert_allclose(members[0][0].sum(axis=-1), 1.0, rtol=1e-5)  # probabilities


def test_ensemble_rejects_members_reading_other_maps(trained, tmp_path):
  _, workdir = trained
  other = str(tmp_path / "other")
  shutil.copytree(workdir, other)
  config = config_io.load_config(other)
  config.data.builder.test_per_category = 3  # another test split: 6 shapes instead of 4
  config_io.save_config(config, other)
  with pytest.raises(ValueError, match="reads other test maps than"):
    classifier_evaluation.evaluate([workdir, other], "test", output_dir=str(tmp_path / "out"))
  with pytest.raises(ValueError, match="needs an output_dir"):
    classifier_evaluation.evaluate([workdir, other], "test")


def test_report_counts_classes_votes_and_damaged_meshes():
  labels = np.array([0, 0, 0, 1, 1, 1])
  predictions = np.array([0, 0, 1, 1, 0, 0])
  mesh_ids = ["a", "a", "a", "b", "b", "c"]  # a: 2 of 3 views right; b: tie 1-0 -> class 0
  summary = classifier_evaluation.report(predictions, labels, mesh_ids, ["x", "y"],
                                       damaged={"a": False, "b": True, "c": True})
  assert summary["accuracy"] == pytest.approx(3 / 6)
  assert summary["vote_accuracy"] == pytest.approx(1 / 3)  # a right; b's tie and c wrong
  assert summary["confusion_matrix"] == [[2, 1], [2, 1]]
  assert summary["per_class_accuracy"] == {"x": pytest.approx(2 / 3), "y": pytest.approx(1 / 3)}
  assert summary["damaged"] == {"fraction_of_meshes": pytest.approx(2 / 3),
                                "accuracy": pytest.approx(1 / 3),
                                "intact_accuracy": pytest.approx(2 / 3)}
  assert "\nx   66.7%     2     1\n" in classifier_evaluation.format_report(summary, "toy")


def test_damaged_meshes_found_in_a_modelnet_layout(tmp_path):
  box = trimesh.creation.box(extents=(1.0, 2.0, 3.0))
  two_sides = trimesh.Trimesh(box.vertices, box.faces[np.abs(box.face_normals[:, 2]) > 0.5])
  for split, name, mesh in (("train", "box_1", box), ("test", "box_2", two_sides)):
    os.makedirs(tmp_path / "box" / split)
    mesh.export(str(tmp_path / "box" / split / f"{name}.off"))
  (tmp_path / "box" / "test" / "box_4.off").write_text("OFF\n3 1 0\n0 0 0\n")  # unreadable
  found = classifier_evaluation.damaged_meshes(
      str(tmp_path), ["box/box_1", "box/box_2", "box/box_3", "box/box_4", "box_5"], threshold=0.5)
  assert found == {"box/box_1": False, "box/box_2": True}  # no file, unreadable, no class: left out


def test_confusion_matrix_checks_its_input():
  np.testing.assert_array_equal(metrics.confusion_matrix([0, 1, 1], [1, 1, 0], 2), [[0, 1], [1, 1]])
  with pytest.raises(ValueError, match=r"shape \(N,\)"):
    metrics.confusion_matrix([0, 1], [0], 2)
  with pytest.raises(ValueError, match=r"predictions must lie in \[0, 2\); got values from 0 to 2"):
    metrics.confusion_matrix([0, 1], [0, 2], 2)
