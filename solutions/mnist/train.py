"""Training loop of assignment 2: Adam over the student's own minibatches."""
import numpy as np
import torch
import torch.nn.functional as F

from solutions.optimization.minibatch import minibatches


def fit(model, X, y, hparams, device):
    """Train ``model`` in place with Adam; return one float per epoch: the mean of its
    minibatch losses (weighted by batch size).

    X: float32 tensor (N, 784) and y: int64 tensor (N,), both already on ``device``.
    hparams: "lr", "batch_size", "epochs"; optional: "lr_decay" (epoch e trains with
    lr / (1 + lr_decay * e), e from 0: inverse-time decay) and "seed" for
    the shuffling rng. Each epoch draws ceil(N / batch_size) minibatches with
    ``minibatches(X, y, batch_size, rng=rng)``. The loss is summed on the device and read
    once per epoch (no host synchronisation per step).
    """
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    losses = []
    for epoch in range(hparams["epochs"]):
        for group in optimizer.param_groups:
            group["lr"] = hparams["lr"] / (1.0 + hparams.get("lr_decay", 0.0) * epoch)
        total = torch.zeros((), device=device)
        for X_batch, y_batch in minibatches(X, y, hparams["batch_size"], rng=rng):
            loss = F.cross_entropy(model(X_batch), y_batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(y_batch)
        losses.append(total.item() / len(y))
    return losses
