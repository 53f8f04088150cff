"""train_and_evaluate in-process: exact resume after an interruption, and the stop on a NaN loss."""

import os

import jax
import numpy as np
import pytest

import data_pipelines
from experiments import export
from experiments.training import loop as train_lib
from experiments.workdir import metrics
from tests.experiments.workdir import test_metrics as test_tensorboard


class Interrupted(Exception):
  """Stands for the run being killed."""


def patch_batches(monkeypatch, change_batch):
  """Makes the trainer's BatchIterator pass every batch through change_batch(index, batch)."""

  class PatchedBatchIterator(data_pipelines.BatchIterator):
    served = 0

    def __next__(self):
      batch = change_batch(self.served, super().__next__())
      self.served += 1
      return batch

  monkeypatch.setattr(data_pipelines, "BatchIterator", PatchedBatchIterator)


def kill_at_fourth_batch(index, batch):
  """A patch_batches change that stands for the run being killed before its fourth step."""
  if index == 3:  # steps 1-3 done; with checkpoints every 2 steps, the latest is step 2
    raise Interrupted
  return batch


def comparable(records):
  """Metrics records without the timings, which differ between runs."""
  return [{k: v for k, v in r.items() if k != "steps_per_sec"} for r in records]


def test_interrupted_run_resumes_to_the_same_params_and_metrics(tiny_config, tmp_path,
                                                                monkeypatch):
  uninterrupted, resumed = str(tmp_path / "uninterrupted"), str(tmp_path / "resumed")
  expected = train_lib.train_and_evaluate(tiny_config, uninterrupted)

  with monkeypatch.context() as patch:
    patch_batches(patch, kill_at_fourth_batch)
    with pytest.raises(Interrupted):
      train_lib.train_and_evaluate(tiny_config, resumed)
  assert sorted(os.listdir(os.path.join(resumed, "checkpoints"))) == ["2"]
  assert [r["step"] for r in metrics.read_metrics(resumed)] == [1, 2, 3]

  results = train_lib.train_and_evaluate(tiny_config, resumed)
  # Same compiled computations on the same inputs (data position, RNG and optimizer state restored):
  # bit-identical on the CPU, so exact equality is expected.
  assert results == expected
  assert comparable(metrics.read_metrics(resumed)) == comparable(metrics.read_metrics(uninterrupted))
  test_tensorboard.assert_scalars_match_metrics(resumed)  # TensorBoard shows steps 3 and 4 once
  _, want = export.load_variables(uninterrupted)
  _, got = export.load_variables(resumed)
  jax.tree.map(np.testing.assert_array_equal, got, want)

  # Started again after the last step, it trains no more and reports the same evaluation.
  assert train_lib.train_and_evaluate(tiny_config, resumed) == expected
  assert len(metrics.read_metrics(resumed)) == len(metrics.read_metrics(uninterrupted))


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tiny_config, tmp_path,
                                                                   monkeypatch):
  def poison_third_batch(index, batch):
    if index == 2:
      batch = dict(batch, sphere=np.full_like(batch["sphere"], np.nan))
    return batch

  patch_batches(monkeypatch, poison_third_batch)
  workdir = str(tmp_path)
  with pytest.raises(train_lib.NonFiniteLossError,
                     match=r"non-finite .*= nan at step 3.*last good checkpoint is step 2"):
    train_lib.train_and_evaluate(tiny_config, workdir)
  assert sorted(os.listdir(os.path.join(workdir, "checkpoints"))) == ["2"]
  assert [r["step"] for r in metrics.read_metrics(workdir)] == [1, 2]
  _, variables = export.load_variables(workdir)
  assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(variables))


def test_rejects_invalid_step_counts(tiny_config, tmp_path):
  tiny_config.checkpoint_every_steps = 0
  with pytest.raises(ValueError, match="checkpoint_every_steps must be a positive integer"):
    train_lib.train_and_evaluate(tiny_config, str(tmp_path))


def test_rejects_a_batch_that_does_not_divide_over_the_devices(tiny_config, tmp_path, monkeypatch):
  monkeypatch.setattr(jax, "devices", lambda: [jax.local_devices()[0]] * 3)
  with pytest.raises(ValueError, match=r"global batch size \(8\) must be a positive multiple of "
                                       r"the number of devices \(3\)"):
    train_lib.train_and_evaluate(tiny_config, str(tmp_path))


def test_rejects_a_config_that_does_not_match_the_dataset(tiny_config, tmp_path):
  tiny_config.num_classes = 3
  with pytest.raises(ValueError, match=r"num_classes = 3 but the train split of synthetic_shapes "
                                       r"has 2 classes"):
    train_lib.train_and_evaluate(tiny_config, str(tmp_path))


def test_test_split_is_evaluated_once_after_the_last_step(tiny_config, tmp_path):
  tiny_config.eval_every_steps = 2
  tiny_config.data.test_split = "test"
  tiny_config.model.dropout_rate = 0.5  # the training step draws dropout masks
  tiny_config.label_smoothing = 0.1
  tiny_config.mixup_alpha = 0.4
  results = train_lib.train_and_evaluate(tiny_config, str(tmp_path))
  records = [(r["step"], r["split"]) for r in metrics.read_metrics(str(tmp_path))
             if r["split"] != "train"]
  assert records == [(2, "eval"), (4, "eval"), (4, "test")]
  # Here eval_split is the test split too, so both evaluations agree.
  assert results["test"] == {k: v for k, v in results.items() if k != "test"}

