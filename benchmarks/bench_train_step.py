r"""Training steps per second of a config's stage on this machine's devices, with synthetic inputs.

  python -m benchmarks.bench_train_step --config=configs/spherical_cnn.py --steps=10
  python -m benchmarks.bench_train_step --config=configs/spherical_cnn_synthetic.py \
      --config.batch_size=16
  python -m benchmarks.bench_train_step --config=configs/synth.py        # G (with a fresh E)
  python -m benchmarks.bench_train_step --config=configs/regression.py   # the baseline

Times the jitted train step of experiments/training/loop.py (forward, backward, Adam update, and what
the stage computes in the step: rotation augmentation, Φ's targets for E, E's embedding for G) on random
inputs of the config's shapes, after one compiling step, without data loading; the networks a stage
depends on are freshly initialised. Prints compile time, steps/s and examples/s.
"""

import time

import jax
import numpy as np
from absl import app
from absl import flags
from ml_collections import config_flags
from scipy.spatial.transform import Rotation

from experiments.stages import registry
from experiments.training import loop as train_lib
from experiments.training import parallel
from experiments.training import state as train_state

_CONFIG = config_flags.DEFINE_config_file("config", None, "A config file (configs/*.py).")
_STEPS = flags.DEFINE_integer("steps", 10, "Timed steps (after the compiling one).")
flags.mark_flags_as_required(["config"])


def fresh_dependencies(stage, config) -> None:
  """Gives an embed stage a random Φ and a synth stage a random E (and its Φ)."""
  if config.stage == "synth":
    embed = registry.make_stage(config.embed)
    fresh_dependencies(embed, config.embed)
    stage.use_embed(embed, jax.jit(embed.init_variables)(jax.random.PRNGKey(1)))
  elif config.stage == "embed":
    phi = registry.make_stage(config.phi)
    channels = stage.model_shape[-1]
    stage.use_phi(phi, jax.jit(phi.init_variables)(jax.random.PRNGKey(2)),
                  normalisation=(np.zeros(channels), np.ones(channels)))


def random_batch(stage, config, rng) -> dict:
  """A batch of the stage's keys (stage.batch_keys) with random values of the config's shapes."""
  builder, size = config.data.builder, config.batch_size
  values = {
      "sphere": lambda: rng.uniform(size=(size, 2 * builder.bandwidth, 2 * builder.bandwidth,
                                          len(builder.channels))),
      "image": lambda: rng.uniform(size=(size, builder.image_size, builder.image_size, 1)),
      "label": lambda: rng.integers(0, config.get("num_classes", 1), size),
      "rotation": lambda: Rotation.random(size, random_state=rng).as_matrix(),
  }
  return {key: values[key]().astype(np.int32 if key == "label" else np.float32)
          for key in stage.batch_keys}


def main(argv):
  del argv
  config = _CONFIG.value
  stage = registry.make_stage(config)
  fresh_dependencies(stage, config)
  mesh = parallel.batch_mesh()
  tx, schedule = train_state.make_optimizer(config)
  replicated = parallel.replicated(mesh)
  state = train_state.init_train_state(stage, tx, config.seed, replicated)
  step_fn = jax.jit(train_lib.make_train_step(stage, tx, schedule),
                    in_shardings=(replicated, parallel.batch_sharded(mesh)),
                    out_shardings=(replicated, replicated), donate_argnums=0)
  rng = np.random.default_rng(0)
  batch = parallel.to_global(random_batch(stage, config, rng), mesh)
  start = time.perf_counter()
  state, _ = jax.block_until_ready(step_fn(state, batch))
  compile_s = time.perf_counter() - start
  start = time.perf_counter()
  for _ in range(_STEPS.value):
    state, metrics = step_fn(state, batch)
  jax.block_until_ready(metrics)
  rate = _STEPS.value / (time.perf_counter() - start)
  print(f"{config.stage}: {jax.device_count()} x {jax.devices()[0].device_kind}, batch "
        f"{config.batch_size}, "
        f"input {stage.input_shape}, model {dict(config.model)}")
  print(f"first step (compile) {compile_s:.1f} s; {rate:.2f} steps/s, "
        f"{rate * config.batch_size:.1f} examples/s")


if __name__ == "__main__":
  app.run(main)
