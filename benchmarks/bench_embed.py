r"""Speed of the embed stage and of relative_pose, with synthetic inputs and a random Φ.

  python -m benchmarks.bench_embed --config=configs/embed.py            # laptop size
  python -m benchmarks.bench_embed --config=configs/embed.py:paper      # the authors' size

Prints, each as the median of --repeats timings after a compiling call:
- the train step (E forward and backward with Φ's targets computed in the step, Adam update): steps/s
  and images/s;
- Φ's targets alone for one batch, timed apart (inside the step XLA runs them beside E's work:
  stored targets saved 6% of the step and nothing of a real run here, BENCHMARKS.md);
- relative_pose at batch --pairs: E on both batches of views and the SO(3) correlation with its
  refinement, timed apart, and pairs/s of the whole.
"""

import time

import jax
import numpy as np
from absl import app
from absl import flags
from ml_collections import config_flags

from equivariant_embeddings import pose
from experiments.stages import registry
from experiments.stages.spherical_cnn import SphericalCNNStage
from experiments.training import loop as train_lib
from experiments.training import state as train_state

_CONFIG = config_flags.DEFINE_config_file("config", None, "An embed config (configs/embed*.py).")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed calls of each function (median reported).")
_PAIRS = flags.DEFINE_integer("pairs", 64, "Pairs of views per relative_pose call.")
flags.mark_flags_as_required(["config"])


def median_time(fn, *args) -> float:
  """Median seconds of fn(*args) over --repeats calls, after one compiling call."""
  jax.block_until_ready(fn(*args))
  times = []
  for _ in range(_REPEATS.value):
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    times.append(time.perf_counter() - start)
  return float(np.median(times))


def main(argv):
  del argv
  config = _CONFIG.value
  stage = registry.make_stage(config)
  phi = SphericalCNNStage(config.phi)
  channels = stage.model_shape[-1]
  stage.use_phi(phi, jax.jit(phi.init_variables)(jax.random.PRNGKey(0)),
                normalisation=(np.zeros(channels), np.ones(channels)))
  tx, schedule = train_state.make_optimizer(config)
  state = train_state.init_train_state(stage, tx, config.seed)
  rng = np.random.default_rng(0)
  size, b = stage.input_shape[0], config.data.builder.bandwidth
  batch = {"image": rng.uniform(size=(config.batch_size, size, size, 1)).astype(np.float32),
           "sphere": rng.uniform(size=(config.batch_size, 2 * b, 2 * b,
                                       len(config.data.builder.channels))).astype(np.float32)}
  train_step = jax.jit(train_lib.make_train_step(stage, tx, schedule))
  step_s = median_time(lambda s, x: train_step(s, x)[1], state, batch)
  targets_s = median_time(jax.jit(stage.targets), batch["sphere"])
  variables = {"params": state.params, **state.model_state}
  views = rng.uniform(size=(2 * _PAIRS.value, size, size, 1)).astype(np.float32)
  embed = jax.jit(lambda x: stage.features(variables, x))
  embed_s = median_time(embed, views)
  embeddings = embed(views)
  align = jax.jit(pose.align)
  align_s = median_time(align, embeddings[:_PAIRS.value], embeddings[_PAIRS.value:])
  n_params = sum(x.size for x in jax.tree.leaves(state.params))
  print(f"{jax.device_count()} x {jax.devices()[0].device_kind}; E {n_params / 1e6:.2f}M params "
        f"{dict(config.model)}, views {stage.input_shape}, embedding {stage.model_shape}")
  print(f"train step, batch {config.batch_size}: {1 / step_s:.2f} steps/s, "
        f"{config.batch_size / step_s:.1f} images/s; Φ's targets {targets_s * 1e3:.1f} ms of the "
        f"step's {step_s * 1e3:.1f} ms ({targets_s / step_s:.0%}, timed apart)")
  print(f"relative_pose, {_PAIRS.value} pairs: E {embed_s * 1e3:.1f} ms for {2 * _PAIRS.value} "
        f"views, correlation + refinement {align_s * 1e3:.1f} ms; "
        f"{_PAIRS.value / (embed_s + align_s):.1f} pairs/s")


if __name__ == "__main__":
  app.run(main)
