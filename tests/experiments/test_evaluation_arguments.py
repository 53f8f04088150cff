"""The evaluation binaries' counts (experiments.evaluate_pose, synthesize, build_templates): a bad one
is a ValueError naming it before any workdir is read (these workdirs do not even exist)."""

import pytest

from experiments.evaluation import pose as pose_evaluation
from experiments.evaluation import synthesis
from experiments.evaluation import templates

MISSING = "/nonexistent/workdir"


@pytest.mark.parametrize("batch_size", [0, -1])
def test_evaluate_pose_batch_size(batch_size):
  with pytest.raises(ValueError, match=rf"batch_size must be an integer >= 1 .*got {batch_size}"):
    pose_evaluation.evaluate(MISSING, batch_size=batch_size)


@pytest.mark.parametrize("count", [0, -2])
def test_max_meshes_per_category(count):
  message = rf"max_meshes_per_category must be an integer >= 1, or left out .* got {count}"
  with pytest.raises(ValueError, match=message):
    pose_evaluation.evaluate(MISSING, max_meshes_per_category=count)
  with pytest.raises(ValueError, match=message):
    templates.build(MISSING, max_meshes_per_category=count)


@pytest.mark.parametrize("name,value,minimum", [("steps", 0, 1), ("num_meshes", -1, 0),
                                                ("error_meshes", -1, 0)])
def test_synthesize_counts(name, value, minimum):
  with pytest.raises(ValueError, match=rf"{name} must be an integer >= {minimum}, got {value}"):
    synthesis.synthesize(MISSING, **{name: value})
