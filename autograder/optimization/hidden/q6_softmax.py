"""Hidden checks of Q6: softmax, its Jacobian and cross-entropy against PyTorch, on inputs
drawn from their input space (space.py) and on fixed extreme logits."""
import numpy as np
import torch
import torch.nn.functional as F

from autograder.drawn import search
from autograder.optimization.hidden.judging import Part, judge, type_problem
from autograder.optimization.hidden.space import SPACES
from autograder.optimization.public import assert_close, call


def _softmax(args):
    return {"s": torch.softmax(torch.tensor(args["z"], dtype=torch.float64), -1).numpy()}


def _jacobian(args):
    s = args["s"]
    return {"J": np.diag(s) - np.outer(s, s)}


def _torch_cross_entropy(z, y):
    """Loss and dL/dz of F.cross_entropy in float64."""
    zt = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
    loss = F.cross_entropy(zt, torch.as_tensor(np.asarray(y, dtype=np.int64)))
    loss.backward()
    return loss.item(), zt.grad.numpy()


def judge_softmax(softmax, drawn, conventions=False):
    judge(softmax, drawn, (Part("s", follows="z"),), _softmax, conventions)


def judge_softmax_jacobian(softmax_jacobian, drawn, conventions=False):
    judge(softmax_jacobian, drawn, (Part("J", follows="s"),), _jacobian, conventions)


def judge_cross_entropy(cross_entropy, drawn, conventions=False):
    judge(cross_entropy, drawn, (Part("loss", "number"),),
          lambda a: {"loss": _torch_cross_entropy(a["z"], a["y"])[0]}, conventions)


def judge_cross_entropy_grad(cross_entropy_grad, drawn, conventions=False):
    judge(cross_entropy_grad, drawn, (Part("dz", follows="z"),),
          lambda a: {"dz": _torch_cross_entropy(a["z"], a["y"])[1]}, conventions)


def softmax_matches_torch(softmax):
    """Over the last axis, equal to torch.softmax, on drawn logits: shapes (C,), (N, C),
    (A, B, C), one class, no rows; logits up to thousands apart and beyond exp's range."""
    search("q6.softmax", SPACES["softmax"].math, lambda d: judge_softmax(softmax, d),
           SPACES["softmax"].math_edges)


def softmax_is_stable(softmax):
    """Huge logits give finite probabilities, row by row."""
    assert_close(call(softmax, np.array([1000.0, 1001.0, 1002.0])),
                 torch.softmax(torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64), -1),
                 "softmax(z) of very large logits, z of shape (3,)")
    z = np.array([[1000.0, 1001.0], [-1000.0, -999.0], [3.0, -2.0]])
    assert_close(call(softmax, z), torch.softmax(torch.tensor(z), dim=-1),
                 "softmax(z) of a batch whose rows have very different maxima")


def jacobian_matches_autograd(softmax_jacobian):
    """diag(s) - outer(s, s) equals the autograd Jacobian of softmax (C = 4, 7, 1), and SPEC's
    formula on drawn probability vectors, peaked ones included."""
    for seed, c in ((1, 4), (2, 7), (3, 1)):
        z = torch.tensor(np.random.default_rng(seed).normal(size=c))
        s = torch.softmax(z, -1)
        ref = torch.autograd.functional.jacobian(lambda u: torch.softmax(u, -1), z)
        assert_close(call(softmax_jacobian, s.numpy()), ref,
                     f"softmax_jacobian(s) with s of shape ({c},)")
    search("q6.softmax_jacobian", SPACES["softmax_jacobian"].math,
           lambda d: judge_softmax_jacobian(softmax_jacobian, d),
           SPACES["softmax_jacobian"].math_edges)


def cross_entropy_matches_torch(cross_entropy):
    """A number, the batch mean, equal to F.cross_entropy on drawn logits and labels
    (N >= 1, C >= 1, logits thousands apart)."""
    search("q6.cross_entropy", SPACES["cross_entropy"].math,
           lambda d: judge_cross_entropy(cross_entropy, d), SPACES["cross_entropy"].math_edges)


# Rows with very different maxima (one global max underflows the low rows to 0 / 0),
# logits beyond exp's float64 range (~709.8), and SPEC's own example.
EXTREME_LOGITS = (
    ("SPEC's example z = [[0, -1000]]", [[0.0, -1000.0]], [1]),
    ("rows with very different maxima", [[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0],
                                         [3.0, -2.0, 0.5]], [1, 2, 0]),
    ("logits above 710", [[720.0, 710.0, 0.0], [0.0, 730.0, 725.0]], [0, 2]),
    ("huge logits of both signs", [[2000.0, 0.0], [0.0, -2000.0]], [1, 1]),
)


def cross_entropy_is_stable(cross_entropy):
    """Computed with log-sum-exp, one max per row: finite and exact for extreme logits."""
    for what, z, y in EXTREME_LOGITS:
        z, y = np.array(z), np.array(y)
        loss = call(cross_entropy, z, y)
        wrong_type = type_problem(loss, "number")
        assert not wrong_type, f"cross_entropy(z, y) for {what}: the loss {wrong_type}"
        assert_close(loss, _torch_cross_entropy(z, y)[0], f"cross_entropy(z, y) for {what}")


def cross_entropy_grad_is_stable(cross_entropy_grad):
    """softmax shifted by each row's max: finite and exact for extreme logits."""
    for what, z, y in EXTREME_LOGITS:
        z, y = np.array(z), np.array(y)
        assert_close(call(cross_entropy_grad, z, y), _torch_cross_entropy(z, y)[1],
                     f"cross_entropy_grad(z, y) for {what}")


def cross_entropy_grad_matches_autograd(cross_entropy_grad):
    """(softmax(z) - onehot(y)) / N equals autograd through F.cross_entropy on drawn logits
    and labels (N = 1, one class, logits thousands apart included)."""
    search("q6.cross_entropy_grad", SPACES["cross_entropy_grad"].math,
           lambda d: judge_cross_entropy_grad(cross_entropy_grad, d),
           SPACES["cross_entropy_grad"].math_edges)
