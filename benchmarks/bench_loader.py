r"""grain against the project's loader (BatchIterator + Prefetcher) on built TFDS splits.

  python -m benchmarks.bench_loader [--datasets=synthetic,modelnet] [--repeats=5] [--batches=150]
      [--step_batches=30] [--step_s=0.1] [--sections=throughput,resume,direct,sharding]
      [--output=results.json]

Needs `pip install grain` (not a project dependency). Opens the training splits that
configs/embed_synthetic.py and configs/embed.py train on, as built in ~/tensorflow_datasets (nothing
is built: a missing split is an error), and for the trainer's global batch (32, one process):

1. Throughput, repeated `--repeats` times with the contenders interleaved (a different one first in
   each round), after reading the split's files once so that every run reads from the page cache:
   - "BatchIterator + Prefetcher": data_pipelines.BatchIterator under
     experiments.training.prefetch.Prefetcher (depth 2), as experiments/training/loop.py uses them;
   - grain MapDataset pipelines over the same source with the same contract (a seeded shuffle per
     epoch, batches of 32 that drop each epoch's remainder, repeated forever):
     source -> shuffle(seed) -> [p::P][:shard] -> batch(32, drop_remainder) -> repeat(), iterated
     with 0 worker processes (grain's default ReadOptions: 16 threads, 500 elements ahead; and one
     thread, 2 ahead, like Prefetcher) and with mp_prefetch(2 workers).
   Each run times the first batch (start-up, worker spawn included) separately, reads `--warmup`
   (or `--step_warmup`) batches untimed to drain what was read ahead meanwhile, then `--batches`
   batches with a consumer that does nothing, or `--step_batches` batches with a consumer that
   sleeps `--step_s` per batch like a training step (it holds no CPU, so it shows the best overlap a
   loader can reach; a real step on this CPU competes with the loader for the cores).
2. Exact resume: the iterator's state after k batches (k = two before the end of the first epoch),
   put through JSON as experiments' checkpoints store it, restored into a fresh iterator; the
   next batches (crossing into epoch 1) must be byte-identical to an uninterrupted run's. Also
   whether a state saved with one worker count restores into another.
3. Per-batch cost without any background thread (where the difference comes from), interleaved:
   next(BatchIterator) against grain's batched MapDataset indexed directly (ds[i]), and the
   source's one batched read (`__getitems__`) against 32 single reads.
4. Sharding: the per-process contract of BatchIterator (a fresh permutation each epoch, process p of
   P takes positions p, p+P, ...; every process the same number of batches) against the pipeline
   above and against grain's built-in IndexSampler with ShardByJaxProcess-style ShardOptions.
"""

import glob
import json
import os
import platform
import statistics
import time

from absl import app
from absl import flags
import grain
import numpy as np

import data_pipelines as dp
from experiments.training import prefetch

FLAGS = flags.FLAGS
flags.DEFINE_list("datasets", ["synthetic", "modelnet"], "which built training splits to read")
flags.DEFINE_integer("repeats", 5, "interleaved rounds per contender and consumer")
flags.DEFINE_integer("batches", 150, "batches timed with the trivial consumer")
flags.DEFINE_integer("warmup", 50, "batches read (untimed) after the first, trivial consumer")
flags.DEFINE_integer("step_batches", 30, "batches timed with the sleeping consumer")
flags.DEFINE_integer("step_warmup", 5, "steps (untimed) after the first, sleeping consumer")
flags.DEFINE_float("step_s", 0.1, "the sleeping consumer's time per batch, seconds")
flags.DEFINE_integer("batch_size", 32, "global batch (one process here)")
flags.DEFINE_integer("seed", 0, "shuffling seed")
flags.DEFINE_integer("resume_batches", 4, "batches compared after restoring a state")
flags.DEFINE_string("output", "", "optional JSON file for the raw timings and checks")
flags.DEFINE_list("sections", ["throughput", "resume", "direct", "sharding"], "what to run")

# The exact load_dataset options of the trainer's configs: configs/embed_synthetic.py and
# configs/embed.py (data.name and data.builder).
DATASETS = {
    "synthetic": ("synthetic_shapes", dict(
        bandwidth=16, image_size=32, channels=("distance",), rotation_mode="3dof",
        views_per_mesh=8, train_per_category=100, test_per_category=25)),
    "modelnet": ("modelnet", dict(
        variant="modelnet10", categories=("bed", "chair", "sofa", "toilet"), bandwidth=32,
        image_size=64,
        channels=("distance", "normal_cosine", "hull_distance", "hull_normal_cosine"),
        rotation_mode="3dof", views_per_mesh=8, scale_range=(0.8, 1.25), surface_dropout=0.0)),
}

REFERENCE = "BatchIterator + Prefetcher"
MATCHED_READ = dict(num_threads=1, prefetch_buffer_size=2)  # like Prefetcher: one thread, 2 ahead


def open_train_split(key):
  """The built training split of DATASETS[key], refusing to build one."""
  name, options = DATASETS[key]
  builder = dp.make_builder(name, **options)
  if not builder.data_path.exists():
    raise SystemExit(f"{name} is not built at {builder.data_path}; train its config once first")
  return dp.load_dataset(name, "train", **options), str(builder.data_path)


def warm_page_cache(data_path, split="train"):
  size = 0
  for path in sorted(glob.glob(os.path.join(data_path, f"*-{split}.array_record-*"))):
    with open(path, "rb") as f:
      while chunk := f.read(1 << 24):
        size += len(chunk)
  return size


def grain_dataset(source, batch_size, seed, process_index=0, process_count=1):
  """BatchIterator's contract in grain: shuffle each epoch, stride over processes, cut every
  process's shard to the same length, batch within the epoch, repeat forever."""
  shard = len(source) // process_count
  ds = grain.MapDataset.source(source).shuffle(seed=seed)[process_index::process_count][:shard]
  return ds.batch(batch_size, drop_remainder=True).repeat()


def contenders(source, batch_size, seed):
  """{name: make(state=None) -> iterator with get_state()} for each loader compared."""

  def batch_iterator(state=None):
    iterator = dp.BatchIterator(source, batch_size, seed=seed)
    if state is not None:
      iterator.set_state(state)
    return prefetch.Prefetcher(iterator, depth=2)

  def grain_iterator(read_options, workers):
    def make(state=None):
      ds = grain_dataset(source, batch_size, seed).to_iter_dataset(read_options)
      if workers:
        ds = ds.mp_prefetch(grain.MultiprocessingOptions(num_workers=workers))
      iterator = iter(ds)
      if state is not None:
        iterator.set_state(state)
      return iterator
    return make

  return {
      REFERENCE: batch_iterator,
      "grain, 0 workers (default ReadOptions)": grain_iterator(grain.ReadOptions(), 0),
      "grain, 0 workers (1 thread, 2 ahead)": grain_iterator(grain.ReadOptions(**MATCHED_READ), 0),
      "grain, 2 workers (mp_prefetch)": grain_iterator(grain.ReadOptions(**MATCHED_READ), 2),
  }


def close(iterator):
  if hasattr(iterator, "close"):
    iterator.close()


def timed_run(make, warmup, batches, step_s, batch_size):
  """(seconds to the first batch, examples/s over `batches` batches after `warmup` more, which
  drain what was read ahead during start-up)."""
  start = time.perf_counter()
  iterator = make()
  next(iterator)
  first = time.perf_counter() - start

  def consume(count):
    for _ in range(count):
      batch = next(iterator)
      float(batch["image"].flat[0])  # touch the data (shared-memory batches are read)
      if step_s:
        time.sleep(step_s)

  consume(warmup)
  start = time.perf_counter()
  consume(batches)
  elapsed = time.perf_counter() - start
  close(iterator)
  return first, batches * batch_size / elapsed


def identical(a, b):
  if a.keys() != b.keys():
    return False
  for key in a:
    x, y = np.asarray(a[key]), np.asarray(b[key])
    if x.dtype != y.dtype or x.shape != y.shape:
      return False
    if x.dtype == object:
      if x.tolist() != y.tolist():
        return False
    elif x.tobytes() != y.tobytes():
      return False
  return True


def resume_check(make, after, count):
  """Whether `count` batches after restoring the JSON'd state at batch `after` into a fresh
  iterator equal those of an uninterrupted run, byte for byte; and that state."""
  iterator = make()
  for _ in range(after):
    next(iterator)
  state = json.loads(json.dumps(iterator.get_state()))
  expected = [next(iterator) for _ in range(count)]
  close(iterator)
  iterator = make(state)
  got = [next(iterator) for _ in range(count)]
  close(iterator)
  return all(identical(x, y) for x, y in zip(expected, got)), state, expected


def cross_restore(make_from, make_into, after, expected):
  """Restores a state saved by one grain configuration into another: 'identical', 'different
  batches' or the exception."""
  iterator = make_from()
  for _ in range(after):
    next(iterator)
  state = json.loads(json.dumps(iterator.get_state()))
  close(iterator)
  try:
    iterator = make_into(state)
    got = [next(iterator) for _ in range(len(expected))]
    close(iterator)
  except Exception as error:  # pylint: disable=broad-except  (reported, not raised)
    return f"fails: {type(error).__name__}: {str(error).splitlines()[0][:120]}"
  return ("identical" if all(identical(x, y) for x, y in zip(expected, got))
          else "different batches")


class IndexSource:
  """A random-access source whose element i is i: for the sharding check, no reads."""

  def __init__(self, n):
    self._n = n

  def __len__(self):
    return self._n

  def __getitem__(self, index):
    return np.int64(index)


def sharding_check(n, batch_size, seed, process_count):
  """Per-process epoch sets of three schemes, for `process_count` processes over n examples."""
  schemes = {}
  # BatchIterator: its own epoch_indices (the positions batches are cut from).
  iters = [dp.BatchIterator(IndexSource(n), batch_size, seed=seed, process_index=p,
                            process_count=process_count) for p in range(process_count)]
  schemes["BatchIterator"] = {
      "epochs": [[np.array(it.epoch_indices(e)[:it.batches_per_epoch * batch_size])
                  for it in iters] for e in (0, 1)],
      "batches_per_epoch": [it.batches_per_epoch for it in iters]}
  schemes["BatchIterator"]["stream"] = [np.concatenate(pair)
                                        for pair in zip(*schemes["BatchIterator"]["epochs"])]
  # The grain pipeline of this benchmark.
  epochs = [[], []]
  lengths = []
  for p in range(process_count):
    ds = grain_dataset(IndexSource(n), batch_size, seed, p, process_count)
    per_epoch = (n // process_count) // batch_size
    lengths.append(per_epoch)
    for e in (0, 1):
      epochs[e].append(np.concatenate([ds[e * per_epoch + b] for b in range(per_epoch)]))
  schemes["grain pipeline (shuffle, then [p::P])"] = {
      "epochs": epochs, "batches_per_epoch": lengths,
      "stream": [np.concatenate([a, b]) for a, b in zip(*epochs)]}
  # grain's IndexSampler with ShardOptions(p, P) (ShardByJaxProcess is this with jax's p and P).
  for drop in (False, True):
    epochs = [[], []]
    lengths = []
    streams = []
    for p in range(process_count):
      sampler = grain.samplers.IndexSampler(
          num_records=n, shard_options=grain.sharding.ShardOptions(p, process_count, drop),
          shuffle=True, num_epochs=2, seed=seed)
      # DataLoader in process p reads the sampler at p, p + P, p + 2P, ...
      keys = np.array([sampler[i].record_key for i in range(p, len(sampler), process_count)])
      shard = len(np.unique(keys))  # each epoch visits the whole (fixed) shard
      epochs[0].append(keys[:shard])
      epochs[1].append(keys[shard:2 * shard])
      lengths.append(shard / batch_size)
      streams.append(keys)  # what DataLoader batches, across the epoch boundary
    schemes[f"grain IndexSampler (ShardOptions, drop_remainder={drop})"] = {
        "epochs": epochs, "batches_per_epoch": lengths, "stream": streams}
  summary = {}
  for name, scheme in schemes.items():
    e0, e1 = scheme["epochs"]
    union = np.concatenate(e0)
    summary[name] = {
        "disjoint_in_epoch": bool(len(np.unique(union)) == len(union)),
        "examples_per_process": [len(x) for x in e0],
        "batches_per_epoch": scheme["batches_per_epoch"],
        "batches_in_2_epochs": [len(x) // batch_size for x in scheme["stream"]],
        # Share of process 0's epoch-1 examples it also had in epoch 0: 1/P for a fresh draw.
        "kept_across_epochs": float(np.isin(e1[0], e0[0]).mean()),
        "contiguous_block": bool(np.ptp(e0[0]) == len(e0[0]) - 1),
    }
  return summary


def dataloader_epoch_batches(n, batch_size, seed):
  """Batches grain's DataLoader yields over 2 epochs of n examples (one process), against 2 ×
  BatchIterator's floor(n / batch): more means a batch mixes the end of one epoch and the next."""
  loader = grain.DataLoader(
      data_source=IndexSource(n),
      sampler=grain.samplers.IndexSampler(num_records=n, shuffle=True, num_epochs=2, seed=seed),
      operations=[grain.transforms.Batch(batch_size, drop_remainder=True)], worker_count=0)
  return sum(1 for _ in loader), 2 * (n // batch_size)


def median(values):
  return statistics.median(values)


def direct_costs(source, batch_size, seed, repeats, batches=60):
  """{name: [examples/s per round]} of reading batches in this thread, no prefetching."""
  rng = np.random.default_rng(seed)
  index_batches = [rng.permutation(len(source))[:batch_size] for _ in range(batches)]
  iterator = dp.BatchIterator(source, batch_size, seed=seed)
  ds = grain_dataset(source, batch_size, seed)
  rates = {"next(BatchIterator)": [], "grain ds[i]": [], "source.__getitems__(32 indices)": [],
           "32 x source[i]": []}
  for r in range(repeats):
    start = time.perf_counter()
    for _ in range(batches):
      next(iterator)
    rates["next(BatchIterator)"].append(time.perf_counter() - start)
    start = time.perf_counter()
    for b in range(batches):
      ds[r * batches + b]
    rates["grain ds[i]"].append(time.perf_counter() - start)
    start = time.perf_counter()
    for indices in index_batches:
      source.__getitems__(indices)
    rates["source.__getitems__(32 indices)"].append(time.perf_counter() - start)
    start = time.perf_counter()
    for indices in index_batches:
      [source[int(i)] for i in indices]  # pylint: disable=expression-not-assigned
    rates["32 x source[i]"].append(time.perf_counter() - start)
  return {name: [batches * batch_size / t for t in times] for name, times in rates.items()}


def throughput(makes):
  """Interleaved timings: {name: {"first_s", "trivial", "step": [per run]}}, and the table."""
  names = list(makes)
  runs = {name: {"first_s": [], "trivial": [], "step": []} for name in names}
  for r in range(FLAGS.repeats):
    order = names[r % len(names):] + names[:r % len(names)]
    for mode, warmup, batches, step_s in (
        ("trivial", FLAGS.warmup, FLAGS.batches, 0.0),
        ("step", FLAGS.step_warmup, FLAGS.step_batches, FLAGS.step_s)):
      for name in order:
        first, rate = timed_run(makes[name], warmup, batches, step_s, FLAGS.batch_size)
        runs[name][mode].append(rate)
        runs[name]["first_s"].append(first)
        print(f"  round {r} {mode:7s} {name:40s} first batch {first:5.2f} s, {rate:7.0f} ex/s",
              flush=True)
  ref_trivial = median(runs[REFERENCE]["trivial"])
  ref_step = median(runs[REFERENCE]["step"])
  ideal = FLAGS.batch_size / FLAGS.step_s
  print(f"\nmedians of {FLAGS.repeats} interleaved runs, batch {FLAGS.batch_size}\n")
  print(f"| loader | trivial consumer, ex/s (min–max) | ratio | {FLAGS.step_s:g} s step, ex/s "
        f"(ideal {ideal:.0f}) | wait per step | first batch |")
  print("|---|---|---|---|---|---|")
  for name in names:
    trivial, step = median(runs[name]["trivial"]), median(runs[name]["step"])
    wait_ms = 1000 * (FLAGS.batch_size / step - FLAGS.step_s)
    print(f"| {name} | {trivial:.0f} ({min(runs[name]['trivial']):.0f}–"
          f"{max(runs[name]['trivial']):.0f}) | {trivial / ref_trivial:.2f} | {step:.0f} "
          f"({step / ref_step:.2f}×) | {wait_ms:.1f} ms | {median(runs[name]['first_s']):.2f} s |")
  return runs


def resume(makes, examples):
  """Exact resume across the end of the first epoch, and restores across worker counts."""
  after = examples // FLAGS.batch_size - 2
  results = {}
  expected = None
  for name, make in makes.items():
    ok, state, batches = resume_check(make, after, FLAGS.resume_batches)
    if name == "grain, 0 workers (1 thread, 2 ahead)":
      expected = batches
    results[name] = {"identical": ok, "state": state}
    print(f"resume after {after} batches, next {FLAGS.resume_batches} byte-identical: {ok}  "
          f"[{name}] state {json.dumps(state)[:160]}")
  grain0 = makes["grain, 0 workers (1 thread, 2 ahead)"]
  grain2 = makes["grain, 2 workers (mp_prefetch)"]
  cross = {"0 workers -> 2 workers": cross_restore(grain0, grain2, after, expected),
           "2 workers -> 0 workers": cross_restore(grain2, grain0, after, expected)}
  for direction, outcome in cross.items():
    print(f"grain state restored {direction}: {outcome}")
  return {"checks": results, "cross_restore": cross}


def run_dataset(key):
  source, data_path = open_train_split(key)
  example = source[0]
  shapes = {k: getattr(v, "shape", ()) for k, v in example.items() if k in ("image", "sphere")}
  warmed = warm_page_cache(data_path)
  print(f"\n== {key}: {source} {shapes}, train files {warmed / 2**20:.0f} MiB read into the page "
        f"cache", flush=True)
  makes = contenders(source, FLAGS.batch_size, FLAGS.seed)
  results = {"examples": len(source)}
  if "throughput" in FLAGS.sections:
    results["throughput"] = throughput(makes)
  if "resume" in FLAGS.sections:
    results["resume"] = resume(makes, len(source))
  if "direct" in FLAGS.sections:
    rates = direct_costs(source, FLAGS.batch_size, FLAGS.seed, FLAGS.repeats)
    results["direct"] = rates
    print(f"\nper-batch cost in this thread, no prefetching (medians of {FLAGS.repeats} "
          f"interleaved rounds):")
    for name, values in rates.items():
      print(f"  {name:34s} {median(values):6.0f} ex/s  ({min(values):.0f}–{max(values):.0f})")
  return results


def main(argv):
  del argv
  print(f"machine: {platform.machine()}, {os.cpu_count()} cores; grain "
        f"{grain.__version__}; load average {os.getloadavg()[0]:.1f} at start")
  results = {"grain": grain.__version__}
  for key in FLAGS.datasets:
    results[key] = run_dataset(key)
  if "sharding" in FLAGS.sections:
    n = results[FLAGS.datasets[0]]["examples"]
    results["sharding"] = {}
    for process_count in (2, 5):
      summary = sharding_check(n, FLAGS.batch_size, FLAGS.seed, process_count)
      results["sharding"][process_count] = summary
      print(f"\nsharding, {n} examples over {process_count} processes:")
      for name, row in summary.items():
        print(f"  {name}: {json.dumps(row)}")
    got, want = dataloader_epoch_batches(n, FLAGS.batch_size, FLAGS.seed)
    results["dataloader_batches_2_epochs"] = [got, want]
    print(f"grain DataLoader, 2 epochs of {n}: {got} batches (BatchIterator: {want})")
  print(f"load average at the end {os.getloadavg()[0]:.1f}")
  if FLAGS.output:
    with open(FLAGS.output, "w") as f:
      json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
  app.run(main)
