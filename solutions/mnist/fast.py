"""The reference training pipeline, built for speed (what ``make bench`` measures).

Same algorithm as ``fit`` (shuffled minibatches, one optimizer step each), but:
- the data lives on the device; an epoch's order is ``torch.randperm`` on the device and a
  minibatch is ``X.index_select(0, idx)``: no DataLoader, no copies from the host;
- losses are summed on the device and read once per epoch: no host synchronisation in
  the loop;
- on CUDA the whole step (gather, forward, backward, optimizer) is captured once per batch
  shape in a CUDA graph and replayed: one launch per step instead of dozens, which is what
  limits small batches; optimizers are ``fused`` (Adam/SGD) or ``capturable``.

    model = seed_mlp().to(device)
    losses = fast_fit(model, X, y, sgd(model, lr=0.01, momentum=0.9), batch_size=32, epochs=3)
"""
from __future__ import annotations

import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

WARMUP_STEPS = 3   # eager steps on a side stream before capture (cuBLAS, optimizer state)


def seed_mlp(hidden: int = 128) -> nn.Sequential:
    """The course material's model: Linear(784, hidden) -> ReLU -> Linear(hidden, 10)."""
    return nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def sgd(model, lr: float, momentum: float = 0.9) -> torch.optim.Optimizer:
    """SGD with momentum; fused kernels on CUDA."""
    cuda = next(model.parameters()).is_cuda
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                           **({"fused": True} if cuda else {}))


def adam(model, lr: float) -> torch.optim.Optimizer:
    """Adam; on CUDA fused and capturable (its step count stays on the device) with a
    tensor learning rate, so that a schedule can change it between graph replays."""
    if next(model.parameters()).is_cuda:
        device = next(model.parameters()).device
        return torch.optim.Adam(model.parameters(), lr=torch.tensor(lr, device=device),
                                capturable=True, fused=True)
    return torch.optim.Adam(model.parameters(), lr=lr)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(lr)
        else:
            group["lr"] = lr


class _Step:
    """One training step on the minibatch ``X[idx], y[idx]``; adds n * loss to ``total``."""

    def __init__(self, model, X, y, optimizer, total):
        self.model, self.X, self.y, self.optimizer, self.total = model, X, y, optimizer, total

    def __call__(self, idx: torch.Tensor) -> None:
        loss = F.cross_entropy(self.model(self.X.index_select(0, idx)), self.y.index_select(0, idx))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.total.add_(loss.detach() * idx.numel())


class _GraphedStep:
    """``_Step`` captured in a CUDA graph for one batch size: replay = copy idx + one launch."""

    def __init__(self, step: _Step, idx: torch.Tensor):
        self.idx = idx.clone()
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            step(self.idx)

    def __call__(self, idx: torch.Tensor) -> None:
        self.idx.copy_(idx)
        self.graph.replay()


class FastTrainer:
    """Epochs of ``model`` on X, y (on one device) in minibatches of ``batch_size``; captured
    CUDA graphs are kept from one epoch to the next.

    generator: device generator for the shuffles. cuda_graphs: capture steps in CUDA graphs
    (default: when X is on CUDA; falls back to eager steps, with a warning, if capture fails).
    """

    def __init__(self, model, X, y, optimizer, batch_size: int,
                 generator: torch.Generator | None = None, cuda_graphs: bool | None = None):
        self.model, self.X, self.batch_size, self.generator = model, X, batch_size, generator
        self.total = torch.zeros((), device=X.device)
        self.eager = _Step(model, X, y, optimizer, self.total)
        self.use_graphs = X.is_cuda if cuda_graphs is None else cuda_graphs
        self.graphed: dict[int, _GraphedStep] = {}
        self.steps = 0

    def epoch(self) -> torch.Tensor:
        """Train one epoch; return its mean loss as a device tensor (no host sync)."""
        self.model.train()
        self.total.zero_()
        n = len(self.X)
        order = torch.randperm(n, device=self.X.device, generator=self.generator)
        for start in range(0, n, self.batch_size):
            self._step(order[start:start + self.batch_size])
        return self.total / n

    def _step(self, idx: torch.Tensor) -> None:
        self.steps += 1
        if not self.use_graphs:
            return self.eager(idx)
        if self.steps <= WARMUP_STEPS:  # eager steps on a side stream, as capture requires
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                self.eager(idx)
            torch.cuda.current_stream().wait_stream(side)
            return None
        if len(idx) not in self.graphed:
            try:
                self.graphed[len(idx)] = _GraphedStep(self.eager, idx)
            except RuntimeError as e:  # capture unsupported here: stay eager
                warnings.warn(f"CUDA graph capture failed, training eagerly: {e}")
                self.use_graphs = False
                return self.eager(idx)
        return self.graphed[len(idx)](idx)


def fast_fit(model, X, y, optimizer, batch_size: int, epochs: int, lr_schedule=None,
             generator: torch.Generator | None = None, cuda_graphs: bool | None = None
             ) -> list[float]:
    """Train ``model`` (already on X's device) in place; return the mean loss per epoch.

    X: float tensor (N, 784), y: int64 (N,), both on the device. lr_schedule: epoch ->
    learning rate (None: keep the optimizer's). Losses are read once, at the end.
    """
    trainer = FastTrainer(model, X, y, optimizer, batch_size, generator, cuda_graphs)
    losses = []
    for epoch in range(epochs):
        if lr_schedule is not None:
            set_lr(optimizer, lr_schedule(epoch))
        losses.append(trainer.epoch())
    return [float(v) for v in torch.stack(losses).tolist()]


@torch.no_grad()
def accuracy(model, X, y) -> float:
    """Fraction of correct argmax predictions, in evaluation mode (one host sync)."""
    model.eval()
    return (model(X).argmax(1) == y).float().mean().item()
