"""TensorBoard event files of MetricsWriter, read back by TensorBoard's own event reader (which needs
no tensorflow): the scalars equal metrics.jsonl, images arrive, and a resumed run's redone steps
appear once."""

import io
import os
import time

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator

from experiments.workdir import metrics


def read_events(workdir):
  """What TensorBoard shows of the event files in workdir (not its subdirectories), purges applied."""
  events = event_accumulator.EventAccumulator(
      str(workdir), size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0})
  events.Reload()
  return events


def read_when_written(workdir, written):
  """read_events(workdir) once written(events) holds, waiting at most a few flushes of the writer's
  thread (every metrics.EVENTS_FLUSH_SECS)."""
  deadline = time.time() + 5 * metrics.EVENTS_FLUSH_SECS
  while True:
    events = read_events(workdir)
    if written(events) or time.time() > deadline:
      return events
    time.sleep(0.1)


def assert_scalars_match_metrics(workdir):
  """Each scalar series is its field of metrics.jsonl (float32), one point per record, in order."""
  want = {}
  for record in metrics.read_metrics(str(workdir)):
    for name, value in record.items():
      if name not in ("step", "split"):
        want.setdefault(metrics.tensorboard_tag(record["split"], name), []).append(
            (record["step"], np.float32(value)))
  events = read_events(workdir)
  got = {tag: [(e.step, np.float32(e.value)) for e in events.Scalars(tag)]
         for tag in events.Tags()["scalars"]}
  assert got == want


def image_at(events, tag, step):
  """The image of `tag` at `step`, decoded: (H, W, 3) uint8."""
  (event,) = [e for e in events.Images(tag) if e.step == step]
  return np.asarray(Image.open(io.BytesIO(event.encoded_image_string)).convert("RGB"))


def test_records_and_images_are_readable_while_the_run_goes_on(tmp_path):
  writer = metrics.MetricsWriter(str(tmp_path))
  writer.write({"step": 1, "split": "train", "loss": 2.5, "learning_rate": 1e-3})
  writer.write({"step": 2, "split": "eval", "loss": 2.0, "pose_acc@15": 0.25, "num_examples": 4})
  writer.write_images(2, {"grey": np.full((4, 6), 0.5), "over": np.full((4, 6, 1), 1.7),
                          "rgb": np.full((4, 6, 3), (0, 100, 255), np.uint8)})
  # Not closed yet: on disk within seconds.
  events = read_when_written(tmp_path, lambda events: len(events.Tags()["images"]) == 3)
  assert sorted(events.Tags()["images"]) == ["eval/grey", "eval/over", "eval/rgb"]
  assert_scalars_match_metrics(tmp_path)  # written before the images
  assert "eval/pose_acc_15" in events.Tags()["scalars"]  # "@" is no tag character
  np.testing.assert_array_equal(image_at(events, "eval/grey", 2), np.full((4, 6, 3), 128))
  np.testing.assert_array_equal(image_at(events, "eval/over", 2), np.full((4, 6, 3), 255))
  np.testing.assert_array_equal(image_at(events, "eval/rgb", 2)[1, 2], (0, 100, 255))
  writer.close()


def test_a_resumed_run_shows_the_steps_it_redoes_once(tmp_path):
  # Both writers open within the same second, as a quickly resumed run's may.
  first = metrics.MetricsWriter(str(tmp_path))
  for step in (1, 2, 3):
    first.write({"step": step, "split": "train", "loss": float(step)})
  first.close()
  resumed = metrics.MetricsWriter(str(tmp_path))
  resumed.drop_after(2)  # resumed from the checkpoint at step 2: step 3 is done again
  for step in (3, 4):
    resumed.write({"step": step, "split": "train", "loss": 10.0 + step})
  resumed.close()
  resumed.write({"step": 5, "split": "train", "loss": 15.0})  # reopened: purges nothing again
  resumed.close()
  assert [r["loss"] for r in metrics.read_metrics(str(tmp_path))] == [1, 2, 13, 14, 15]
  assert len([f for f in os.listdir(tmp_path) if "tfevents" in f]) == 3
  assert_scalars_match_metrics(tmp_path)


def test_a_trained_workdir_holds_its_metrics(trained):
  _, workdir = trained
  assert_scalars_match_metrics(workdir)
  # The spherical CNN stage has no evaluation images.
  assert read_events(workdir).Tags()["images"] == []
