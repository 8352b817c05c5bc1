"""Hidden checks of Q6: softmax, its Jacobian and cross-entropy against PyTorch."""
import numpy as np
import torch
import torch.nn.functional as F

from autograder.optimization.public import as_numpy, assert_close, call


def softmax_matches_torch(softmax):
    """Over the last axis for shapes (C,), (N, C) and (A, B, C)."""
    rng = np.random.default_rng(0)
    for shape in ((6,), (5, 4), (2, 3, 5)):
        z = rng.normal(0.0, 4.0, size=shape)
        assert_close(call(softmax, z), torch.softmax(torch.tensor(z), dim=-1),
                     f"softmax(z) with z of shape {shape}")


def softmax_is_stable(softmax):
    """Huge logits give finite probabilities, row by row."""
    assert_close(call(softmax, np.array([1000.0, 1001.0, 1002.0])),
                 torch.softmax(torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64), -1),
                 "softmax(z) of very large logits, z of shape (3,)")
    z = np.array([[1000.0, 1001.0], [-1000.0, -999.0], [3.0, -2.0]])
    assert_close(call(softmax, z), torch.softmax(torch.tensor(z), dim=-1),
                 "softmax(z) of a batch whose rows have very different maxima")


def jacobian_matches_autograd(softmax_jacobian):
    """diag(s) - outer(s, s) equals the autograd Jacobian of softmax."""
    for seed, c in ((1, 4), (2, 7), (3, 1)):
        z = torch.tensor(np.random.default_rng(seed).normal(size=c))
        s = torch.softmax(z, -1)
        ref = torch.autograd.functional.jacobian(lambda u: torch.softmax(u, -1), z)
        assert_close(call(softmax_jacobian, s.numpy()), ref,
                     f"softmax_jacobian(s) with s of shape ({c},)")


def cross_entropy_matches_torch(cross_entropy):
    """Mean over the batch, equal to F.cross_entropy, for float64 and float32 logits."""
    rng = np.random.default_rng(3)
    for n, c, dtype in ((8, 5, np.float64), (3, 10, np.float32), (1, 3, np.float64)):
        z, y = rng.normal(0, 3, size=(n, c)).astype(dtype), rng.integers(0, c, n)
        ref = F.cross_entropy(torch.tensor(z, dtype=torch.float64), torch.tensor(y))
        assert_close(float(as_numpy(call(cross_entropy, z, y))), ref,
                     f"cross_entropy(z, y) with z of shape ({n}, {c}) {np.dtype(dtype).name}")


# Rows with very different maxima (one global max underflows the low rows to 0 / 0),
# logits beyond exp's float64 range (~709.8), and SPEC's own example.
EXTREME_LOGITS = (
    ("SPEC's example z = [[0, -1000]]", [[0.0, -1000.0]], [1]),
    ("rows with very different maxima", [[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0],
                                         [3.0, -2.0, 0.5]], [1, 2, 0]),
    ("logits above 710", [[720.0, 710.0, 0.0], [0.0, 730.0, 725.0]], [0, 2]),
    ("huge logits of both signs", [[2000.0, 0.0], [0.0, -2000.0]], [1, 1]),
)


def _torch_cross_entropy(z, y):
    """Loss and dL/dz of F.cross_entropy in float64."""
    zt = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
    loss = F.cross_entropy(zt, torch.tensor(y))
    loss.backward()
    return loss.item(), zt.grad.numpy()


def cross_entropy_is_stable(cross_entropy):
    """Computed with log-sum-exp, one max per row: finite and exact for extreme logits."""
    for what, z, y in EXTREME_LOGITS:
        z, y = np.array(z), np.array(y)
        assert_close(float(as_numpy(call(cross_entropy, z, y))), _torch_cross_entropy(z, y)[0],
                     f"cross_entropy(z, y) for {what}")


def cross_entropy_grad_is_stable(cross_entropy_grad):
    """softmax shifted by each row's max: finite and exact for extreme logits."""
    for what, z, y in EXTREME_LOGITS:
        z, y = np.array(z), np.array(y)
        assert_close(call(cross_entropy_grad, z, y), _torch_cross_entropy(z, y)[1],
                     f"cross_entropy_grad(z, y) for {what}")


def cross_entropy_grad_matches_autograd(cross_entropy_grad):
    """(softmax(z) - onehot(y)) / N equals autograd through F.cross_entropy."""
    rng = np.random.default_rng(4)
    for n, c in ((8, 5), (1, 3), (16, 10)):
        z = torch.tensor(rng.normal(0, 2, size=(n, c)), requires_grad=True)
        y = torch.tensor(rng.integers(0, c, n))
        F.cross_entropy(z, y).backward()
        assert_close(call(cross_entropy_grad, z.detach().numpy(), y.numpy()), z.grad,
                     f"cross_entropy_grad(z, y) with z of shape ({n}, {c}): dL/dz")
