"""absl binaries and their libraries (file I/O lives here, never in `equivariant_embeddings`).

At the top, only what a user runs (`python -m experiments.X`) or imports by name:
  train.py                the training binary: `--config=configs/<stage>.py --workdir=...`
  pipeline.py             the whole chain in one workdir: `--config=configs/pipeline.py --workdir=...`
  evaluate_pose.py        relative and absolute pose tables and figures of an embed workdir
  evaluate_classifier.py  where a trained classifier (or ensemble) errs
  build_templates.py      category templates for absolute pose (templates.npz in an embed workdir)
  synthesize.py           novel views G(R·E(view)) of a synth workdir
  thin_mesh_folder.py     a mesh folder with every k-th training mesh (learning curves)
  data_sheet.py           a PNG of views and spherical maps of a few meshes
  export.py               the public loading API: features, relative pose, image to mesh, absolute pose

Libraries by concern; a binary X pairs with its library <concern>/<X without its verb>. Imports run
downward only: binaries and export → evaluation/, training/ → stages/ → workdir/.
  training/     loop.py (train_and_evaluate, the library of train), chain.py (run_pipeline, of
                pipeline), state.py (train state), optimizers.py, parallel.py (device mesh),
                batches.py (host batches), prefetch.py (read-ahead), thin_mesh_folder.py
  evaluation/   pose.py (of evaluate_pose), classifier.py (of evaluate_classifier), templates.py
                (of build_templates), synthesis.py (of synthesize)
  stages/       what is trained (model, data, loss), chosen by config.stage
  workdir/      a workdir's files: checkpoints.py (orbax), config_io.py (config.json), claim.py
                (one run per workdir: the lock and the config check), metrics.py (metrics.jsonl,
                TensorBoard, curves.png), inference.py (batched inference over examples)
"""
