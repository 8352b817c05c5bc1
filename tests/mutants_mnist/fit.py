"""Variants of ``fit(model, X, y, hparams, device)`` (assignment 2, Q3); ``minibatches``
is the reference one."""
import numpy as np
import torch
import torch.nn.functional as F


def correct_item_per_step(model, X, y, hparams, device):
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    history = []
    for epoch in range(hparams["epochs"]):
        model.train()
        total, count = 0.0, 0
        for xb, yb in minibatches(X, y, hparams["batch_size"], shuffle=True, rng=rng):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            count += len(yb)
        history.append(total / count)
    return history


def correct_mean_of_batch_losses(model, X, y, hparams, device):
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), hparams["lr"])
    generator = np.random.default_rng(hparams.get("seed"))
    losses = []
    for _ in range(hparams["epochs"]):
        batch_losses = []
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=generator):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            batch_losses.append(loss.detach())
        losses.append(torch.stack(batch_losses).mean().item())
    return losses


def _train(model, X, y, hparams, device, optimizer=None, batches=None, epochs=None,
           zero_grad=True, train_mode=True):
    model.to(device).train(train_mode)
    opt = (optimizer or torch.optim.Adam)(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    losses = []
    for _ in range(hparams["epochs"] if epochs is None else epochs):
        total = 0.0
        for xb, yb in (batches or (lambda: minibatches(X, y, hparams["batch_size"], rng=rng)))():
            loss = F.cross_entropy(model(xb), yb)
            if zero_grad:
                opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        losses.append(total / len(y))
    return losses


def wrong_sgd(model, X, y, hparams, device):
    return _train(model, X, y, hparams, device, optimizer=torch.optim.SGD)


def wrong_drops_last_batch(model, X, y, hparams, device):
    b = hparams["batch_size"]
    return _train(model, X, y, hparams, device,
                  batches=lambda: ((xb, yb) for xb, yb in minibatches(X, y, b) if len(yb) == b))


def wrong_full_batch(model, X, y, hparams, device):
    return _train(model, X, y, hparams, device, batches=lambda: [(X, y)])


def wrong_one_epoch_short(model, X, y, hparams, device):
    return _train(model, X, y, hparams, device, epochs=hparams["epochs"] - 1)


def wrong_never_zeroes_gradients(model, X, y, hparams, device):
    return _train(model, X, y, hparams, device, zero_grad=False)


def wrong_evaluation_mode(model, X, y, hparams, device):
    return _train(model, X, y, hparams, device, train_mode=False)


def wrong_standardizes_X_in_place(model, X, y, hparams, device):
    X -= X.mean(0)
    return _train(model, X, y, hparams, device)


def wrong_ignores_the_seed(model, X, y, hparams, device):
    return _train(model, X, y, hparams, device,
                  batches=lambda: minibatches(X, y, hparams["batch_size"]))


def correct_with_lr_decay(model, X, y, hparams, device):
    """Implements the optional lr_decay: lr / (1 + lr_decay * epoch), epochs from 0."""
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    losses = []
    for epoch in range(hparams["epochs"]):
        for group in opt.param_groups:
            group["lr"] = hparams["lr"] / (1 + hparams.get("lr_decay", 0.0) * epoch)
        total = 0.0
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        losses.append(total / len(y))
    return losses


def _decayed(model, X, y, hparams, device, lr_of):
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    losses, step = [], 0
    for epoch in range(hparams["epochs"]):
        total = 0.0
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            for group in opt.param_groups:
                group["lr"] = lr_of(epoch, step, group["lr"])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            step += 1
        losses.append(total / len(y))
    return losses


def wrong_lr_decay_per_step(model, X, y, hparams, device):
    """Decays with the step count instead of the epoch."""
    d = hparams.get("lr_decay", 0.0)
    return _decayed(model, X, y, hparams, device, lambda e, s, lr: hparams["lr"] / (1 + d * s))


def wrong_lr_decay_compounded(model, X, y, hparams, device):
    """Divides the current lr again every epoch: lr0 / prod_{k <= e} (1 + d * k)."""
    import math
    d = hparams.get("lr_decay", 0.0)
    return _decayed(model, X, y, hparams, device,
                    lambda e, s, lr: hparams["lr"] / math.prod(1 + d * k for k in range(1, e + 1)))


def wrong_lr_decay_epochs_from_1(model, X, y, hparams, device):
    """Counts epochs from 1: the first epoch already trains with lr / (1 + d)."""
    d = hparams.get("lr_decay", 0.0)
    return _decayed(model, X, y, hparams, device, lambda e, s, lr: hparams["lr"] / (1 + d * (e + 1)))


def wrong_returns_last_batch_loss(model, X, y, hparams, device):
    """Returns the last minibatch's loss of every epoch."""
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    losses = []
    for _ in range(hparams["epochs"]):
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(loss.item())
    return losses


def wrong_returns_sum_of_batch_losses(model, X, y, hparams, device):
    """Sums the batch losses of an epoch."""
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    losses = []
    for _ in range(hparams["epochs"]):
        total = 0.0
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        losses.append(total)
    return losses


def wrong_never_calls_train(model, X, y, hparams, device):
    """Never sets training mode: a model left in eval mode trains with running statistics."""
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    losses = []
    for _ in range(hparams["epochs"]):
        total = 0.0
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        losses.append(total / len(y))
    return losses
