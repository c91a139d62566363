"""KL warm-up on the digits VAE: loss curves with and without `zoo_vae.KLWarmup`

Trains the digits VAE of `vae_digits.py` twice from the same start, once as
is and once with the `KLWarmup` callback, which raises the weight of the KL
term linearly from 0 to `beta` over the first half of the epochs (Bowman et
al. 2016; `KLWarmup(..., schedule="cyclical")` repeats the ramp, Fu et al. 2019). With the
weight at 0 the model first learns to reconstruct, then the prior is
brought in. It prints the final terms of both runs and saves a figure of
their reconstruction and KL curves, and of the weight (`kl_warmup.png`).

    uv run python examples/kl_warmup_digits.py --epochs 30 --output kl_warmup
"""

from __future__ import annotations

import sys

from vae_digits import BATCH_SIZE, load_data, make_optimizer, make_vae, parse_args, pyplot
from zoo_vae import KLWarmup


def train(x_train, epochs: int, seed: int, callbacks: list) -> dict:
    vae = make_vae(seed)
    vae.compile(optimizer=make_optimizer())
    return vae.fit(
        x_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=0, callbacks=callbacks
    ).history


def main() -> int:
    args = parse_args(
        "Train the digits VAE with and without KL warm-up; draw the loss curves.",
        "kl_warmup_digits_output",
    )
    x_train, _ = load_data(args.seed)
    period = max(1, args.epochs // 2)
    plain = train(x_train, args.epochs, args.seed, [])
    warm = train(x_train, args.epochs, args.seed, [KLWarmup(epochs=period)])
    for name, history in (("without warm-up", plain), ("with warm-up", warm)):
        print(
            f"{name}: loss by epoch: {' '.join(f'{v:.4f}' for v in history['loss'])}; final "
            f"reconstruction {history['reconstruction_loss'][-1]:.4f}, "
            f"KL {history['kl_loss'][-1]:.4f}"
        )
    print(f"kl_weight by epoch: {' '.join(f'{w:.2f}' for w in warm['kl_weight'])}")

    plt = pyplot()
    epochs = range(1, args.epochs + 1)
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    for name, history, style in (("without", plain, "--"), ("with warm-up", warm, "-")):
        axes[0].plot(epochs, history["reconstruction_loss"], style, label=name)
        axes[1].plot(epochs, history["kl_loss"], style, label=name)
    axes[2].plot(epochs, warm["kl_weight"], "-", color="tab:orange", label="KLWarmup")
    axes[2].axhline(1.0, linestyle="--", color="tab:blue", label="without (beta)")
    titles = ("reconstruction term", "KL term (weighted)", "KL weight")
    for axis, title in zip(axes, titles, strict=True):
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.legend(fontsize=8)
    figure.suptitle(f"Digits VAE with and without KL warm-up over {period} epochs")
    figure.tight_layout()
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "kl_warmup.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
