r"""Training steps per second of a config's stage on this machine's devices, with synthetic inputs.

  python -m benchmarks.bench_train_step --config=configs/spherical_cnn.py --steps=10
  python -m benchmarks.bench_train_step --config=configs/spherical_cnn_synthetic.py \
      --config.batch_size=16

Times the jitted train step of experiments.train_lib (rotation augmentation, forward, backward, Adam
update) on random inputs of the config's shapes, after one compiling step, without data loading;
prints compile time, steps/s and examples/s.
"""

import time

import jax
import numpy as np
from absl import app
from absl import flags
from ml_collections import config_flags

from experiments import parallel
from experiments import stages
from experiments import train_lib
from experiments import train_state

_CONFIG = config_flags.DEFINE_config_file("config", None, "A config file (configs/*.py).")
_STEPS = flags.DEFINE_integer("steps", 10, "Timed steps (after the compiling one).")
flags.mark_flags_as_required(["config"])


def main(argv):
  del argv
  config = _CONFIG.value
  stage = stages.make_stage(config)
  mesh = parallel.batch_mesh()
  tx, schedule = train_state.make_optimizer(config)
  replicated = parallel.replicated(mesh)
  state = train_state.init_train_state(stage, tx, config.seed, replicated)
  step_fn = jax.jit(train_lib.make_train_step(stage, tx, schedule),
                    in_shardings=(replicated, parallel.batch_sharded(mesh)),
                    out_shardings=(replicated, replicated), donate_argnums=0)
  rng = np.random.default_rng(0)
  batch = parallel.to_global({
      "sphere": rng.uniform(size=(config.batch_size,) + stage.input_shape).astype(np.float32),
      "label": rng.integers(0, config.num_classes, config.batch_size).astype(np.int32)}, mesh)
  start = time.perf_counter()
  state, _ = jax.block_until_ready(step_fn(state, batch))
  compile_s = time.perf_counter() - start
  start = time.perf_counter()
  for _ in range(_STEPS.value):
    state, metrics = step_fn(state, batch)
  jax.block_until_ready(metrics)
  rate = _STEPS.value / (time.perf_counter() - start)
  print(f"{jax.device_count()} x {jax.devices()[0].device_kind}, batch {config.batch_size}, "
        f"input {stage.input_shape}, model {dict(config.model)}")
  print(f"first step (compile) {compile_s:.1f} s; {rate:.2f} steps/s, "
        f"{rate * config.batch_size:.1f} examples/s")


if __name__ == "__main__":
  app.run(main)
