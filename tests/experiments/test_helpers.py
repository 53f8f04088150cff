"""The trainer's small helpers: schedules, evaluation batches, metrics files, config round trip."""

import numpy as np
import pytest

from configs import spherical_cnn
from experiments.training import batches
from experiments.training import optimizers
from experiments.workdir import config_io
from experiments.workdir import metrics


def optimizer_config(**overrides):
  config = spherical_cnn.get_config().optimizer
  config.update(overrides)
  return config


def test_schedules_follow_their_definitions():
  warmup = optimizers.learning_rate_schedule(
      optimizer_config(learning_rate=1.0, schedule="warmup_cosine", warmup_steps=10), 110)
  # Linear from 0 to the peak over the warm-up, then half a cosine down to 0 at the last step.
  np.testing.assert_allclose([warmup(0), warmup(5), warmup(10), warmup(60), warmup(110)],
                             [0.0, 0.5, 1.0, 0.5, 0.0], atol=1e-6)
  step = optimizers.learning_rate_schedule(
      optimizer_config(learning_rate=1.0, schedule="step", decay_steps=(3, 6), decay_factor=0.5),
      10)
  np.testing.assert_allclose([step(2), step(4), step(7)], [1.0, 0.5, 0.25])
  with pytest.raises(ValueError, match="schedule must be one of"):
    optimizers.learning_rate_schedule(optimizer_config(schedule="linear"), 10)
  with pytest.raises(ValueError, match="warmup_steps must be in"):
    optimizers.learning_rate_schedule(optimizer_config(warmup_steps=10), 10)


def test_evaluation_batches_cover_the_source_once_with_a_mask():
  source = [{"x": np.float32(i), "y": np.int32(i)} for i in range(10)]
  got = list(batches.evaluation_batches(source, 4, ("x",)))
  assert [b["x"].shape for b in got] == [(4,)] * 3
  np.testing.assert_array_equal(np.concatenate([b["mask"] for b in got]), [1] * 10 + [0] * 2)
  np.testing.assert_array_equal(np.concatenate([b["x"] for b in got])[:10], np.arange(10))
  # Two processes take the halves of each global batch; together they see the same examples.
  halves = [list(batches.evaluation_batches(source, 4, ("x",), process_index=p, process_count=2))
            for p in range(2)]
  joined = np.concatenate([np.concatenate([a["x"], b["x"]]) for a, b in zip(*halves)])
  np.testing.assert_array_equal(joined, np.concatenate([b["x"] for b in got]))
  with pytest.raises(ValueError, match="batch lacks keys"):
    batches.select({"x": 1}, ("x", "label"))


def test_metrics_file_is_truncated_on_resume_and_plotted(tmp_path):
  writer = metrics.MetricsWriter(str(tmp_path))
  for step in (1, 2, 3):
    writer.write({"step": step, "split": "train", "loss": 1.0 / step, "accuracy": 0.3 * step})
  writer.write({"step": 3, "split": "eval", "loss": 0.5, "accuracy": 0.8})
  writer.drop_after(2)
  assert [r["step"] for r in metrics.read_metrics(str(tmp_path))] == [1, 2]
  metrics.plot_metrics(metrics.read_metrics(str(tmp_path)), str(tmp_path / "c.png"))
  assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
  with pytest.raises(ValueError, match="no records of \\('loss', 'accuracy'"):
    metrics.plot_metrics([{"step": 1, "split": "train"}], str(tmp_path / "d.png"))


def test_progress_line_shows_rate_and_eta():
  line = metrics.progress_line(100, 1100, {"step": 100, "split": "train", "accuracy": 0.5,
                                           "loss": 1.25, "steps_per_sec": 2.0})
  assert line == "step 100/1100  loss 1.2500  accuracy 0.5000  2.00 steps/s  ETA 8m20s"
  assert metrics.format_duration(3725) == "1h02m" and metrics.format_duration(42) == "42s"


def test_config_round_trips_through_json(tmp_path):
  config = spherical_cnn.get_config()
  config_io.save_config(config, str(tmp_path))
  loaded = config_io.load_config(str(tmp_path))
  assert loaded.model.block_features == (16, 32, 32, 64, 64)  # tuples, as Flax fields need
  assert loaded.to_dict() == config.to_dict()
  (tmp_path / "config.json").write_text("{")
  with pytest.raises(ValueError, match="not valid JSON"):
    config_io.load_config(str(tmp_path))
