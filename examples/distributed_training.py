"""Training the every-family model across processes or devices

The digit classifier of `every_family_model.py` (layers of every zoo family),
trained on scikit-learn's digits with the engine each backend provides, beside
the same training in one process on one device with the same global batch:

- TensorFlow, `--workers N`: N worker processes on this machine under
  `tf.distribute.MultiWorkerMirroredStrategy`, each told its place by a
  `TF_CONFIG` on 127.0.0.1 ports; each reads its shard of every global batch;
- JAX, `--devices N`: `keras.distribution.DataParallel` over N host devices of
  one process (`XLA_FLAGS=--xla_force_host_platform_device_count=N`).

It prints each worker's (or the run's) time per step and held-out accuracy
beside the one-process run's, checks that every worker ends with the same
weights and that they are within tolerance of the one-process run, and saves a
`.keras` file from the chief that loads anywhere (it loads it back to check).

    uv run python examples/distributed_training.py --workers 2
    KERAS_BACKEND=jax uv run python examples/distributed_training.py --devices 2

Across machines: start this script on every machine with `TF_CONFIG` naming
them all and each one's index (see docs/guides/training-across-devices.md);
with `TF_CONFIG` set it runs as that one worker.

Keras 3.15.1's `Model.fit` fails under `MultiWorkerMirroredStrategy`
(keras-team/keras#20585), so the workers run the model's own `train_step`
with `strategy.run`, one step per global batch, as `fit` would.

The model's Dropout, StochasticDepth and Sampling layers draw noise: each
worker (or device) draws its own for its share of the batch, so the weights
cannot equal the one-process run's exactly; the tolerance is on the relative
distance of all weights and on the accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument("--workers", type=int, help="TensorFlow: worker processes on this machine")
    engine.add_argument("--devices", type=int, help="JAX: host devices of one process")
    parser.add_argument("--epochs", type=int, default=3, help="training epochs (default 3)")
    parser.add_argument("--batch", type=int, default=64, help="global batch size (default 64)")
    parser.add_argument(
        "--output", type=Path, default=Path("distributed_training_output"), help="output folder"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds the workers may take")
    parser.add_argument(
        "--backup-dir",
        type=Path,
        help="TensorFlow workers: keep a keras.callbacks.BackupAndRestore backup there "
        "every epoch, and resume from it when restarted",
    )
    parser.add_argument(
        "--restarts", type=int, default=0, help="restart the cluster this often if a worker fails"
    )
    parser.add_argument(
        "--crash-at-step",
        type=int,
        help="for trying out resuming: worker 1 dies at this global step of a fresh run",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.02,
        help="largest relative distance of the weights from the one-process run (default 0.02)",
    )
    return parser.parse_args()


_ARGS = parse_args()
if _ARGS.devices:
    # Before JAX starts: it fixes its devices on first use.
    os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={_ARGS.devices}"

import keras  # noqa: E402
import numpy as np  # noqa: E402
from every_family_model import build_model  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from zoo_normalization import BatchNormalization  # noqa: E402

import zoo  # noqa: E402, F401  (registers every zoo class, for loading)

SEED = 0


def digits(batch: int) -> tuple[np.ndarray, ...]:
    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, data.target, test_size=0.2, random_state=SEED, stratify=data.target
    )
    whole = len(x_train) // batch * batch  # whole global batches only, on every engine
    return x_train[:whole], x_test, y_train[:whole], y_test


def synchronized(model: keras.Model, on: bool = True) -> keras.Model:
    """``model`` with its batch normalizations taking their statistics over the global
    batch (all workers), as one process does, rather than each worker's share; or,
    ``on=False``, back to plain ones (which every backend can load)."""

    def clone(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if isinstance(layer, BatchNormalization):
            config["synchronized"] = on
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def compiled_model() -> keras.Model:
    keras.utils.set_random_seed(SEED)  # the same initial weights in every process
    model = build_model(SEED)
    if keras.backend.backend() == "tensorflow":
        # keras.distribution (JAX) computes on the global batch: no need there.
        model = synchronized(model)
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


class StepTimes(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self.start)

    def on_train_begin(self, logs=None):
        self.times = []


def fit(model: keras.Model, args: argparse.Namespace, data: tuple) -> dict:
    x_train, x_test, y_train, y_test = data
    times = StepTimes()
    model.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch,
        shuffle=False,
        verbose=0,
        callbacks=[times],
    )
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return {"step": float(np.median(times.times[1:])), "accuracy": float(accuracy)}


# -- TensorFlow: one worker of a multi-worker cluster --------------------------------


def worker(args: argparse.Namespace) -> int:
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # joins the TF_CONFIG cluster
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    index, chief = task["index"], task["index"] == 0
    x_train, x_test, y_train, y_test = digits(args.batch)

    def shard(context):
        data = tf.data.Dataset.from_tensor_slices((x_train, y_train))
        data = data.shard(context.num_input_pipelines, context.input_pipeline_id)
        return data.batch(context.get_per_replica_batch_size(args.batch)).repeat()

    with strategy.scope():
        model = compiled_model()
        model.optimizer.build(model.trainable_variables)
    batches = iter(strategy.distribute_datasets_from_function(shard))

    @tf.function
    def step(batches):
        return strategy.run(model.train_step, args=(next(batches),))

    # BackupAndRestore is a fit callback; driven by hand here, it still keeps what a
    # resumed run needs: weights, optimizer slots and step count, seed states. Each
    # worker keeps its own backup (all hold the same values), as each machine would.
    backup = None
    if args.backup_dir:
        backup = keras.callbacks.BackupAndRestore(str(args.backup_dir / f"worker_{index}"))
        backup.set_model(model)
        backup.on_train_begin()  # restores the last epoch's backup, if there is one
    steps = len(x_train) // args.batch
    done = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    if done:
        print(f"worker {index}: resumed from the backup after {done} steps")
    times = []
    for epoch in range(done // steps, args.epochs):
        for batch in range(steps):
            if not done and epoch * steps + batch == args.crash_at_step and index == 1:
                print(f"worker {index}: dies at step {args.crash_at_step}", flush=True)
                os._exit(3)  # as a preempted machine: no clean-up at all
            start = time.perf_counter()
            step(batches)
            times.append(time.perf_counter() - start)
            if backup:
                backup.on_train_batch_end(batch)
        if backup:
            backup.on_epoch_end(epoch)
    if backup:
        backup.on_train_end()  # training is over: the backup goes
    # The chief saves the model for anywhere: synchronized batch statistics are a
    # TensorFlow training matter (Keras refuses them on JAX and PyTorch), so the file
    # holds plain BatchNormalization layers with the trained statistics.
    args.output.mkdir(parents=True, exist_ok=True)
    if chief:
        synchronized(model, on=False).save(args.output / "model.keras")
    # A plain call: Model.predict under this strategy meets the same Keras bug as fit.
    predictions = keras.ops.convert_to_numpy(model(x_test, training=False))
    accuracy = float(np.mean(np.argmax(predictions, axis=-1) == y_test))
    np.savez(args.output / f"worker_{index}.npz", *model.get_weights())
    report = {"step": float(np.median(times[1:] or times)), "accuracy": accuracy}
    (args.output / f"worker_{index}.json").write_text(json.dumps(report))
    print(f"worker {index}: {report['step'] * 1e3:.1f} ms a step, accuracy {accuracy:.4f}")
    # A last collective as a barrier; then the chief, which hosts the cluster's
    # coordination service, leaves last, so no worker reports it gone while exiting.
    strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)
    if chief:
        time.sleep(2.0)
    return 0


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class WorkerFailed(Exception):
    pass


def run_cluster(args: argparse.Namespace) -> None:
    """Start ``args.workers`` copies of this script as one cluster on this machine and
    wait for them all; if one fails, or they take too long, kill every one (process
    group and all) and raise ``WorkerFailed``."""
    ports = free_ports(args.workers)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    command = [sys.executable, __file__, *sys.argv[1:]]
    processes = []
    for index in range(args.workers):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(config), "KERAS_BACKEND": "tensorflow"}
        processes.append(subprocess.Popen(command, env=env, start_new_session=True))
    deadline = time.monotonic() + args.timeout
    try:
        while any(p.poll() is None for p in processes):
            failed = [i for i, p in enumerate(processes) if p.poll() not in (None, 0)]
            if failed:
                codes = [processes[i].returncode for i in failed]
                raise WorkerFailed(f"worker(s) {failed} exited with status {codes}")
            if time.monotonic() > deadline:
                raise WorkerFailed(f"the workers took longer than {args.timeout:.0f} s")
            time.sleep(0.2)
        failed = [i for i, p in enumerate(processes) if p.returncode != 0]
        if failed:
            raise WorkerFailed(f"worker(s) {failed} failed")
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def launch_workers(args: argparse.Namespace) -> list[dict]:
    """Run the cluster; when a worker fails, restart them all (up to ``args.restarts``
    times), as a cluster manager would, to resume from the backup."""
    for attempt in range(args.restarts + 1):
        try:
            run_cluster(args)
            break
        except WorkerFailed as error:
            if attempt == args.restarts:
                raise SystemExit(f"{error}; no restarts left") from None
            print(f"{error}: every worker killed; restarting the cluster", flush=True)
    return [json.loads((args.output / f"worker_{i}.json").read_text()) for i in range(args.workers)]


def relative_distance(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    flat_a = np.concatenate([w.ravel() for w in a])
    flat_b = np.concatenate([w.ravel() for w in b])
    return float(np.linalg.norm(flat_a - flat_b) / np.linalg.norm(flat_b))


def main() -> int:
    args = _ARGS
    if "TF_CONFIG" in os.environ:  # one worker of a cluster (this machine's, or real)
        return worker(args)
    if not (args.workers or args.devices):
        raise SystemExit("say --workers N (TensorFlow) or --devices N (JAX)")
    backend = keras.backend.backend()
    if args.workers and backend != "tensorflow":
        raise SystemExit("--workers runs TensorFlow workers: set KERAS_BACKEND=tensorflow")
    if args.devices and backend != "jax":
        raise SystemExit("--devices uses keras.distribution: set KERAS_BACKEND=jax")
    args.output.mkdir(parents=True, exist_ok=True)
    data = digits(args.batch)

    if args.workers:
        reports = launch_workers(args)
        parallel = [
            [found[f"arr_{i}"] for i in range(len(found.files))]
            for found in (np.load(args.output / f"worker_{i}.npz") for i in range(args.workers))
        ]
        saved = args.output / "model.keras"
    else:
        import jax

        distribution = keras.distribution.DataParallel(devices=jax.devices()[: args.devices])
        with distribution.scope():
            model = compiled_model()
            report = fit(model, args, data)
        reports = [report]
        parallel = [model.get_weights()]
        saved = args.output / "model.keras"
        model.save(saved)
    print(f"{'run':<22}{'ms a step':>10}{'accuracy':>10}")
    for i, report in enumerate(reports):
        name = f"worker {i}" if args.workers else f"{args.devices} devices"
        print(f"{name:<22}{report['step'] * 1e3:>10.1f}{report['accuracy']:>10.4f}")

    single_model = compiled_model()
    single = fit(single_model, args, data)
    print(f"{'one process':<22}{single['step'] * 1e3:>10.1f}{single['accuracy']:>10.4f}")

    names = [w.path for w in single_model.weights]
    for i, weights in enumerate(parallel[1:], start=1):
        gaps = [float(np.max(np.abs(a - b))) for a, b in zip(weights, parallel[0], strict=True)]
        worst = int(np.argmax(gaps))
        print(f"worker {i} vs worker 0: largest weight difference {gaps[worst]:.3g}")
        if gaps[worst] > 0:
            raise SystemExit(f"worker {i} ended with another {names[worst]} than worker 0")
    distance = relative_distance(parallel[0], single_model.get_weights())
    print(f"relative distance of the weights from the one-process run: {distance:.4f}")
    gap = abs(reports[0]["accuracy"] - single["accuracy"])
    print(f"accuracy gap to the one-process run: {gap:.4f}")
    if distance > args.tolerance or gap > 0.05:
        raise SystemExit("the distributed run is not within tolerance of the one-process run")
    loaded = keras.saving.load_model(saved)
    _, accuracy = loaded.evaluate(data[1], data[3], verbose=0)
    print(f"saved {saved}; loaded back, its accuracy is {accuracy:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
