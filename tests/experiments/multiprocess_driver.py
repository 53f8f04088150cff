"""One process of a multi-process CPU run of the tiny config (used by test_multiprocess.py).

  python -m tests.experiments.multiprocess_driver COORDINATOR NUM_PROCESSES PROCESS_ID DATA_DIR WORKDIR

Initialises jax.distributed itself (explicit addresses: no cluster to detect on a workstation) with
gloo collectives across the CPU processes, then trains with config.multihost left False.
"""

import json
import sys

import jax


def main(coordinator, num_processes, process_id, data_dir, workdir):
  jax.config.update("jax_cpu_collectives_implementation", "gloo")
  jax.distributed.initialize(coordinator, num_processes=int(num_processes),
                             process_id=int(process_id))
  from configs import spherical_cnn_tiny  # pylint: disable=g-import-not-at-top
  from experiments import train_lib  # pylint: disable=g-import-not-at-top
  config = spherical_cnn_tiny.get_config()
  config.data.data_dir = data_dir
  results = train_lib.train_and_evaluate(config, workdir)
  print(json.dumps({"process_index": jax.process_index(), "process_count": jax.process_count(),
                    "device_count": jax.device_count(), "results": results}))


if __name__ == "__main__":
  main(*sys.argv[1:])
