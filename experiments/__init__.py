"""absl binaries and their libraries (file I/O lives here, never in `equivariant_embeddings`).

  train.py        the training binary: `python -m experiments.train --config=... --workdir=...`
  train_lib.py    train_and_evaluate(config, workdir): the loop shared by every stage
  stages/         what is trained (model, data, loss), chosen by config.stage
  export.py       load_feature_extractor(workdir, layer): a trained model's features, jitted
  evaluate_classifier.py, classifier_evaluation.py   where a trained classifier (or ensemble) errs
  thin_mesh_folder.py, mesh_subsets.py   a mesh folder with every k-th training mesh (learning curves)
  checkpoints.py, metrics.py, config_io.py   orbax checkpoints, metrics.jsonl + curves.png, config.json
  workdirs.py     one run per workdir, never another run's: the lock and the config check
  parallel.py, batches.py, prefetch.py, optimizers.py   sharding, host batches, read-ahead, optax
"""
