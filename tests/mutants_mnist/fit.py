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


def _epochs(model, X, y, hparams, device, epoch_loss=None, lr_at=None, train=True, move=None):
    """A fit with one knob per mistake: epoch_loss(batch losses) -> the returned value,
    lr_at(epoch, step, lr, lr_decay) -> the learning rate of a step."""
    model = model.to(move or device)
    if train:
        model.train()
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    decay, step, out = hparams.get("lr_decay", 0.0), 0, []
    for epoch in range(hparams["epochs"]):
        batch_losses = []
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            if lr_at is not None:
                for group in opt.param_groups:
                    group["lr"] = lr_at(epoch, step, hparams["lr"], decay, group["lr"])
            loss = F.cross_entropy(model(xb.to(move or device)), yb.to(move or device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
            step += 1
        out.append((epoch_loss or np.mean)(batch_losses))
    return out


def correct_lr_decay_with_a_scheduler(model, X, y, hparams, device):
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    decay = hparams.get("lr_decay", 0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0 / (1.0 + decay * epoch))
    rng = np.random.default_rng(hparams.get("seed"))
    losses = []
    for _ in range(hparams["epochs"]):
        running = torch.zeros((), device=device)
        n_batches = 0
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            running += loss.detach()
            n_batches += 1
        scheduler.step()
        losses.append((running / n_batches).item())
    return losses


def correct_lr_decay_per_epoch_by_hand(model, X, y, hparams, device):
    return _epochs(model, X, y, hparams, device,
                   lr_at=lambda e, t, lr, d, current: lr / (1 + d * e))


def wrong_never_calls_train(model, X, y, hparams, device):
    return _epochs(model, X, y, hparams, device, train=False)


def wrong_last_batch_loss(model, X, y, hparams, device):
    return _epochs(model, X, y, hparams, device, epoch_loss=lambda losses: losses[-1])


def wrong_sum_of_batch_losses(model, X, y, hparams, device):
    return _epochs(model, X, y, hparams, device, epoch_loss=sum)


def wrong_lr_decay_epochs_from_1(model, X, y, hparams, device):
    return _epochs(model, X, y, hparams, device,
                   lr_at=lambda e, t, lr, d, current: lr / (1 + d * (e + 1)))


def wrong_lr_decay_per_step(model, X, y, hparams, device):
    return _epochs(model, X, y, hparams, device, lr_at=lambda e, t, lr, d, current: lr / (1 + d * t))


def wrong_lr_decay_compounded(model, X, y, hparams, device):
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    losses = []
    for epoch in range(hparams["epochs"]):
        for group in opt.param_groups:
            group["lr"] = group["lr"] / (1 + hparams.get("lr_decay", 0.0) * epoch)
        total = 0.0
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        losses.append(total / len(y))
    return losses


def wrong_hard_codes_cuda(model, X, y, hparams, device):
    return _epochs(model, X, y, hparams, device, move="cuda")


def wrong_hard_codes_cpu(model, X, y, hparams, device):
    return _epochs(model, X, y, hparams, device, move="cpu")


# ----------------------------------------------------------------- loss bookkeeping
def _loop(model, X, y, hparams, device, loss_of=None, record=None, optimizer_per_epoch=False,
          rng_per_epoch=False, adam=None):
    """A fit with one knob per mistake: loss_of(logits, yb) -> the loss stepped on,
    record(loss, yb) -> what the epoch's mean is taken over."""
    model.to(device).train()
    make = adam or (lambda params: torch.optim.Adam(params, lr=hparams["lr"]))
    opt, rng, out = make(model.parameters()), np.random.default_rng(hparams.get("seed")), []
    for _ in range(hparams["epochs"]):
        if optimizer_per_epoch:
            opt = make(model.parameters())
        if rng_per_epoch:
            rng = np.random.default_rng(hparams.get("seed"))
        seen = []
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            loss = (loss_of or F.cross_entropy)(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen.append((record or (lambda loss, yb: loss.item()))(loss, yb))
        out.append(float(np.mean(seen)))
    return out


def wrong_summed_loss_logged_as_mean(model, X, y, hparams, device):
    """Steps on the batch's summed loss, logs it divided by the batch size: Adam hides the
    scale almost everywhere."""
    return _loop(model, X, y, hparams, device,
                 loss_of=lambda out, yb: F.cross_entropy(out, yb, reduction="sum"),
                 record=lambda loss, yb: loss.item() / len(yb))


def wrong_loss_divided_by_the_data_size(model, X, y, hparams, device):
    return _loop(model, X, y, hparams, device,
                 loss_of=lambda out, yb: F.cross_entropy(out, yb, reduction="sum") / len(X),
                 record=lambda loss, yb: loss.item() * len(X) / len(yb))


def wrong_returns_tensors(model, X, y, hparams, device):
    """Appends the epoch's mean as a 0-d tensor (still attached to the graph)."""
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng, out = np.random.default_rng(hparams.get("seed")), []
    for _ in range(hparams["epochs"]):
        total, count = 0.0, 0
        for xb, yb in minibatches(X, y, hparams["batch_size"], rng=rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total, count = total + loss, count + 1
        out.append(total / count)
    return out


def wrong_new_optimizer_every_epoch(model, X, y, hparams, device):
    return _loop(model, X, y, hparams, device, optimizer_per_epoch=True)


def wrong_new_rng_every_epoch(model, X, y, hparams, device):
    return _loop(model, X, y, hparams, device, rng_per_epoch=True)


def wrong_adam_with_weight_decay(model, X, y, hparams, device):
    return _loop(model, X, y, hparams, device,
                 adam=lambda params: torch.optim.Adam(params, lr=hparams["lr"], weight_decay=1e-3))


def wrong_adamw(model, X, y, hparams, device):
    return _loop(model, X, y, hparams, device,
                 adam=lambda params: torch.optim.AdamW(params, lr=hparams["lr"]))


def wrong_label_smoothing(model, X, y, hparams, device):
    return _loop(model, X, y, hparams, device,
                 loss_of=lambda out, yb: F.cross_entropy(out, yb, label_smoothing=0.1))


def correct_cross_entropy_module(model, X, y, hparams, device):
    criterion = torch.nn.CrossEntropyLoss()
    return _loop(model, X, y, hparams, device, loss_of=criterion)


def correct_log_softmax_then_nll(model, X, y, hparams, device):
    return _loop(model, X, y, hparams, device,
                 loss_of=lambda out, yb: F.nll_loss(F.log_softmax(out, dim=1), yb))


def correct_sum_divided_by_the_batch_size(model, X, y, hparams, device):
    return _loop(model, X, y, hparams, device,
                 loss_of=lambda out, yb: F.cross_entropy(out, yb, reduction="sum") / len(yb))


def correct_running_mean_as_numpy_float(model, X, y, hparams, device):
    """Keeps an incremental mean of the batch losses; returns numpy float64 values."""
    model = model.to(device)
    model.train()
    opt = torch.optim.Adam(params=model.parameters(), lr=hparams["lr"])
    rng = np.random.default_rng(hparams.get("seed"))
    history = []
    for epoch in range(hparams["epochs"]):
        for group in opt.param_groups:
            group["lr"] = hparams["lr"] / (1 + hparams.get("lr_decay", 0) * epoch)
        mean, k = np.float64(0.0), 0
        for xb, yb in minibatches(X, y, hparams["batch_size"], shuffle=True, rng=rng):
            opt.zero_grad(set_to_none=False)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            k += 1
            mean += (loss.item() - mean) / k
        history.append(mean)
    return history
