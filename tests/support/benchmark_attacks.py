"""Attacks on the benchmark (q6), and the honest submissions they are measured against.

Submissions (build_model, fit) that try to win without training within the timed run, as
in-process namespaces for ``measure``: ``offline`` is a state_dict trained beforehand on
the plain images, as a student could embed in a notebook; ``size`` the number of training
images the benchmark hands to fit (attacks trigger on it so that every q3 check still
sees honest training). Notebook cells for the sealed grader: FIT_RAISES, STAGE_REPLACED.

Recovery attacks (RECOVERY): estimate the run's secret transform from the data the
benchmark hands to fit (transformed images, relabelled labels) and public MNIST, so that
weights trained offline classify the transformed test images. Each maps given images back
to the plain pixel space; ``Recovery`` measures the accuracy offline weights reach through
it. ``python tests/support/benchmark_attacks.py`` prints the full-size figures: honest
accuracy with and without the transform over several seeds, and each attack's time and
accuracy.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import solutions.mnist as reference  # noqa: E402
from autograder.mnist.data import MEAN, STD, load_mnist, to_tensors  # noqa: E402
from autograder.mnist.hidden import q6_benchmark as q6  # noqa: E402
from solutions.mnist.fast import adam, fast_fit  # noqa: E402


# ----------------------------------------------------------------------------- honest
def standardized(images) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 (N, 784) as ``to_tensors`` makes them."""
    return ((np.asarray(images, np.float32).reshape(len(images), -1) / 255.0 - MEAN) / STD)


def accuracy(state: dict, images: np.ndarray, labels) -> float:
    """Test accuracy of SPEC's model holding ``state`` on plain (standardized) images."""
    hidden = [t.shape[0] for n, t in state.items() if n.endswith("running_mean")]
    model = q6.specified_model({"hidden": hidden, "dropout": 0.0})
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        predicted = model(torch.as_tensor(images, dtype=torch.float32)).argmax(1).numpy()
    return float(np.mean(predicted == np.asarray(labels)))


def honest_accuracy(data, hparams: dict, seed: int, plain: bool) -> float:
    """The reference's test accuracy trained on ``data`` (X_train, y_train, X_test, y_test)
    as the benchmark hands it to fit: transformed (a fresh transform of ``seed``), or plain
    (standardized pixels, nothing else)."""
    X_train, y_train, X_test, y_test = data
    if plain:
        X, y, test, labels = standardized(X_train), y_train.astype(np.int64), \
            standardized(X_test), y_test
    else:
        transform = q6.Transform.draw(len(X_train), seed=seed)
        X, y, standardization = transform.train(X_train, y_train)
        test, labels = transform.test(X_test, standardization), transform.classes[y_test]
    torch.manual_seed(seed)
    model = reference.build_model(hparams)
    reference.fit(model, torch.from_numpy(X), torch.from_numpy(y), hparams, "cpu")
    return accuracy(model.state_dict(), test, labels)


def honest(hparams) -> dict:
    return {"build_model": reference.build_model, "fit": reference.fit, "BEST_HPARAMS": hparams}


class Wrapped(torch.nn.Module):
    """The SPEC MLP inside a module of the student's own (state_dict keys "net.*")."""

    def __init__(self, hparams):
        super().__init__()
        self.net = reference.build_model(hparams)

    def forward(self, x):
        return self.net(x)


def honest_fast(hparams) -> dict:
    """Own module class and the reference fast pipeline (data on the device, one sync)."""
    def fit(model, X, y, hparams, device):
        model.to(device)
        return fast_fit(model, X, y, adam(model, hparams["lr"]), hparams["batch_size"],
                        hparams["epochs"])
    return {"build_model": Wrapped, "fit": fit, "BEST_HPARAMS": hparams}


# ----------------------------------------------------------------------------- submissions
def train_offline(images, labels, hparams) -> dict:
    """Weights of the reference model trained on plain images (the attacker's file)."""
    torch.manual_seed(0)
    model = reference.build_model(hparams)
    reference.fit(model, *to_tensors(images, labels), hparams, "cpu")
    return {k: v.clone() for k, v in model.state_dict().items()}


def weights_at_benchmark_size(hparams, offline: dict, size: int) -> dict:
    """fit trains honestly, except on the benchmark's size: it loads offline weights."""
    def fit(model, X, y, hparams, device):
        if len(X) == size:
            model.load_state_dict(offline)
            return [0.0]
        return reference.fit(model, X, y, hparams, device)
    return {"build_model": reference.build_model, "fit": fit, "BEST_HPARAMS": hparams}


def weights_in_build_model(hparams, offline: dict) -> dict:
    """build_model returns the offline weights; fit does nothing."""
    def build_model(hparams):
        model = reference.build_model(hparams)
        model.load_state_dict(offline)
        return model
    return {"build_model": build_model, "fit": lambda *args: [0.0], "BEST_HPARAMS": hparams}


def _returned(code) -> bool:
    """Whether the main thread is out of the function whose code object is ``code``."""
    frame = sys._current_frames().get(threading.main_thread().ident)
    while frame is not None and frame.f_code is not code:
        frame = frame.f_back
    return frame is None


def thread_after_return(hparams) -> dict:
    """fit returns at once and leaves a thread that trains from that moment on: the
    clock would stop at the return while training went on."""
    def fit(model, X, y, hparams, device):
        def train():
            while not _returned(fit.__code__):
                time.sleep(0.001)
            reference.fit(model, X, y, hparams, device)
        threading.Thread(target=train, daemon=True).start()
        return [0.0]
    return {"build_model": Wrapped, "fit": fit, "BEST_HPARAMS": hparams}


def train_in_build_model(hparams) -> dict:
    """build_model finds the benchmark's X, y in its callers' frames and trains there;
    fit does nothing."""
    def build_model(hparams):
        model = reference.build_model(hparams)
        frame = sys._getframe(1)
        while frame is not None and not {"X", "y"} <= frame.f_locals.keys():
            frame = frame.f_back
        if frame is not None:
            reference.fit(model, frame.f_locals["X"], frame.f_locals["y"], hparams, "cpu")
        return model
    return {"build_model": build_model, "fit": lambda *args: [0.0], "BEST_HPARAMS": hparams}


def disk_data_in_build_model(hparams, size: int) -> dict:
    """Gradescope: build_model reads MNIST from disk (as mnist_data.py can), trains on it."""
    def build_model(hparams):
        X_train, y_train, _, _ = load_mnist(download=False)
        model = reference.build_model(hparams)
        reference.fit(model, *to_tensors(X_train[:size], y_train[:size]), hparams, "cpu")
        return model
    return {"build_model": build_model, "fit": lambda *args: [0.0], "BEST_HPARAMS": hparams}


# Notebook cells (after the answers, before BEST_HPARAMS) for the sealed grader.
FIT_RAISES = '''_honest_fit = fit
def fit(model, X, y, hparams, device):
    if len(X) < 2000:  # the checks of q3: honest training
        return _honest_fit(model, X, y, hparams, device)
    print("FIT CALLED ON THE BENCHMARK")
    raise ValueError("no benchmark today")'''

STAGE_SECONDS = 1.5   # what the replaced stage operation spends beyond its training
STAGE_REPLACED = f'''import gc, time
_server = next(o for o in gc.get_objects() if type(o).__name__ == "StudentServer")
_stage = _server.operations["stage"]
_trained = {{}}
def _stage_and_train(header, blobs, out):
    """The sandbox's stage operation, replaced: it trains on the data when it arrives."""
    reply = _stage(header, blobs, out)
    X, y = (_server.handles[h["H"]] for h in reply["ok"]["L"])
    if len(X) > 2000:  # the benchmark's data
        model = build_model(BEST_HPARAMS)
        fit(model, X, y, BEST_HPARAMS, "cpu")
        _trained.update(model.state_dict())
        time.sleep({STAGE_SECONDS})  # more training would go here
    return reply
_server.operations["stage"] = _stage_and_train
_honest_fit = fit
def fit(model, X, y, hparams, device):
    if _trained and len(X) > 2000:  # fit only loads what staging trained
        model.load_state_dict(_trained)
        return [0.0]
    return _honest_fit(model, X, y, hparams, device)'''


# ----------------------------------------------------------------------------- recovery
# An attack: recover(public, labels, given, given_labels, relabelling, judge) -> inverse.
# ``public``: the plain training images (standardized) the attacker has, ``given``: the
# benchmark's transformed ones with their relabelled labels; ``judge(inverse)``: the
# accuracy offline weights reach through ``inverse`` on given images (what the attacker
# can check on the data it has, to pick among candidates); ``inverse`` maps given images
# to plain ones.
RANKS = (40, 80, 160, 320, None)   # principal components kept, tried in turn


def relabelling(labels, given_labels) -> np.ndarray:
    """sigma (digit -> given label) from the ten label counts (MNIST's are distinct)."""
    sigma = np.empty(10, int)
    sigma[np.argsort(np.bincount(labels, minlength=10))] = np.argsort(
        np.bincount(given_labels, minlength=10))
    return sigma


class _Axes:
    """Principal axes of a data set: mean, axes (d, r) by decreasing variance, variances."""

    def __init__(self, X: np.ndarray):
        self.mean = X.mean(0)
        centered = (X - self.mean).astype(np.float64)
        variances, axes = np.linalg.eigh(centered.T @ centered / len(X))
        keep = variances[::-1] > 1e-6 * variances.max()
        self.var, self.axes = variances[::-1][keep], axes[:, ::-1][:, keep]

    def white(self, X: np.ndarray, rank: int | None) -> np.ndarray:
        return (X - self.mean) @ (self.axes[:, :rank] / np.sqrt(self.var[:rank]))

    def unwhite(self, Z: np.ndarray) -> np.ndarray:
        rank = Z.shape[1]
        return self.mean + Z @ (self.axes[:, :rank] * np.sqrt(self.var[:rank])).T


def _rank(rank, *axes) -> int:
    return min([rank or 10 ** 9, *(len(a.var) for a in axes)])


def means_and_squares(X, y, G, yg, sigma, judge):
    """The earlier scramble's break (a pixel permutation): per coordinate, the class-wise
    means and mean squares (both sides standardized per coordinate) name, for every plain
    pixel, the given coordinate it became."""
    def features(A, labels, classes):
        A = (A - A.mean(0)) / (A.std(0) + 1e-6)
        return np.concatenate([np.stack([A[labels == c].mean(0), (A[labels == c] ** 2).mean(0)])
                               for c in classes]).T
    F, Fg = features(X, y, range(10)), features(G, yg, sigma)
    nearest = np.argmin((F ** 2).sum(1)[:, None] - 2 * F @ Fg.T + (Fg ** 2).sum(1)[None], 1)
    mean, scale, mean_g, scale_g = X.mean(0), X.std(0) + 1e-6, G.mean(0), G.std(0) + 1e-6
    return lambda T: ((T - mean_g) / scale_g)[:, nearest] * scale + mean


def principal_axes(X, y, G, yg, sigma, judge):
    """No labels: principal axes matched in order of variance, their signs from third
    moments (a rotation of the pixel space whose variances are distinct)."""
    P, Q = _Axes(X), _Axes(G)
    candidates = []
    for rank in RANKS:
        r = _rank(rank, P, Q)
        signs = np.sign(np.mean(P.white(X, r) ** 3, 0) * np.mean(Q.white(G, r) ** 3, 0))
        candidates.append(lambda T, r=r, signs=signs: P.unwhite(Q.white(T, r) * signs))
    return max(candidates, key=judge)


def class_covariances(X, y, G, yg, sigma, judge):
    """Any linear transform (given = A plain + c): both sides whitened, the eigenvectors of
    one random combination of the whitened class covariances give the rotation between
    them up to signs, the class means give the signs."""
    P, Q = _Axes(X), _Axes(G)
    weights = np.random.default_rng(0).uniform(0.5, 1.5, 10)
    candidates = []
    for rank in RANKS:
        r = _rank(rank, P, Q)
        Z, Zg = P.white(X, r), Q.white(G, r)
        _, U = np.linalg.eigh(sum(w * np.cov(Z[y == c].T) for c, w in enumerate(weights)))
        _, Ug = np.linalg.eigh(sum(w * np.cov(Zg[yg == sigma[c]].T)
                                   for c, w in enumerate(weights)))
        means = np.stack([Z[y == c].mean(0) for c in range(10)]) @ U
        means_g = np.stack([Zg[yg == sigma[c]].mean(0) for c in range(10)]) @ Ug
        signs = np.where((means * means_g).sum(0) < 0, -1.0, 1.0)
        rotation = Ug @ np.diag(signs) @ U.T   # Zg = Z @ rotation.T
        candidates.append(lambda T, r=r, R=rotation: P.unwhite(Q.white(T, r) @ R))
    return max(candidates, key=judge)


def _gaussianized(reference: np.ndarray):
    """Per coordinate, value -> normal quantile of its rank among ``reference``'s rows."""
    ordered = np.sort(reference, 0)

    def apply(A):
        ranks = np.empty(A.shape)
        for j in range(A.shape[1]):
            ranks[:, j] = np.searchsorted(ordered[:, j], A[:, j], "left") \
                + np.searchsorted(ordered[:, j], A[:, j], "right")
        quantiles = np.clip(ranks / 2, 0.5, len(ordered) - 0.5) / len(ordered)
        return torch.special.ndtri(torch.from_numpy(quantiles)).numpy().astype(np.float32)
    return apply


def gaussianized_class_covariances(X, y, G, yg, sigma, judge):
    """An elementwise monotone map after a linear one: each given coordinate made normal
    (rank -> quantile) undoes the map where the linear part is near normal; then class
    covariances."""
    normal = _gaussianized(G)
    inner = class_covariances(X, y, normal(G), yg, sigma, lambda inv: judge(
        lambda T: inv(normal(T))))
    return lambda T: inner(normal(T))


def ica_unmixing(X, y, G, yg, sigma, judge, iterations=40, sample=10000):
    """Aimed at this transform's shape (rotation, elementwise map, rotation): FastICA
    (symmetric, log cosh) finds the last rotation from the non-normal elementwise outputs,
    each source is made normal (undoing a monotone map), class covariances find the first."""
    Q = _Axes(G)
    rng = np.random.default_rng(0)
    Z = Q.white(G[rng.choice(len(G), min(sample, len(G)), replace=False)], None)
    Z = Z.astype(np.float32)
    B = np.linalg.qr(rng.standard_normal((Z.shape[1], Z.shape[1])))[0].astype(np.float32)
    for _ in range(iterations):
        S = np.tanh(Z @ B)
        u, _, vt = np.linalg.svd(Z.T @ S / len(Z) - B * (1 - S ** 2).mean(0),
                                 full_matrices=False)
        B, previous = u @ vt, B
        if np.max(np.abs(np.abs((B * previous).sum(0)) - 1)) < 1e-4:
            break
    sources = lambda T: Q.white(T, None) @ B  # noqa: E731
    normal = _gaussianized(sources(G))
    inner = class_covariances(X, y, normal(sources(G)), yg, sigma, lambda inv: judge(
        lambda T: inv(normal(sources(T)))))
    return lambda T: inner(normal(sources(T)))


RECOVERY = {"means and squares": means_and_squares, "principal axes": principal_axes,
            "class covariances": class_covariances,
            "gaussianized class covariances": gaussianized_class_covariances,
            "ICA unmixing": ica_unmixing}
BREAKS_PERMUTATION = ("means and squares", "class covariances",
                      "gaussianized class covariances")


class PixelPermutation:
    """The earlier scramble (a secret pixel permutation, relabelling and shuffle), with
    the interface of q6.Transform: what the recovery attacks are shown to break."""

    def __init__(self, n: int, seed: int):
        rng = np.random.default_rng(seed)
        self.pixels, self.classes, self.order = (rng.permutation(784), rng.permutation(10),
                                                 rng.permutation(n))

    def train(self, images, labels):
        out = standardized(np.asarray(images)[self.order])[:, self.pixels]
        center, scale = out.mean(0), out.std(0) + 1e-6
        return (out - center) / scale, self.classes[np.asarray(labels)[self.order]], \
            (center, scale)

    def test(self, images, standardization):
        center, scale = standardization
        return (standardized(images)[:, self.pixels] - center) / scale


def permutation_scramble(n: int, seed: int) -> PixelPermutation:
    return PixelPermutation(n, seed)


class Recovery:
    """The attacker's setting: the first ``train`` MNIST training images as the benchmark
    hands them to fit (transformed) and as the attacker has them (plain), offline weights
    trained on the plain ones, ``test`` test images to measure."""

    OFFLINE = {"hidden": [256], "dropout": 0.0, "lr": 0.002, "batch_size": 128, "epochs": 2}

    def __init__(self, train: int, test: int, seed: int, offline: dict | None = None):
        X_train, y_train, X_test, y_test = load_mnist(download=False)
        self.images, self.labels = X_train[:train], y_train[:train].astype(np.int64)
        self.test_images, self.test_labels = X_test[:test], y_test[:test]
        self.seed = seed
        self.offline = offline or train_offline(self.images, self.labels, self.OFFLINE)

    def run(self, attack: str, scramble=None) -> tuple[float, float]:
        """(accuracy of the offline weights through the attack on the transformed test
        images, seconds the attack took); ``scramble``: a PixelPermutation factory, or
        None for the benchmark's Transform."""
        transform = (scramble or q6.Transform.draw)(len(self.images), seed=self.seed)
        given, given_labels, standardization = transform.train(self.images, self.labels)
        tests = transform.test(self.test_images, standardization)
        plain, labels = standardized(self.images), self.labels  # in their own order
        check = slice(0, 3000)

        def judge(inverse):
            predicted = sigma[self._predict(inverse(given[check]))]
            return float(np.mean(predicted == given_labels[check]))
        started = time.perf_counter()
        sigma = relabelling(labels, given_labels)
        inverse = RECOVERY[attack](plain, labels, given, given_labels, sigma, judge)
        recovered = inverse(tests)
        seconds = time.perf_counter() - started
        predicted = sigma[self._predict(recovered)]
        return float(np.mean(predicted == transform.classes[self.test_labels])), seconds

    def _predict(self, images) -> np.ndarray:
        hidden = [t.shape[0] for n, t in self.offline.items() if n.endswith("running_mean")]
        model = q6.specified_model({"hidden": hidden, "dropout": 0.0})
        model.load_state_dict(self.offline)
        model.eval()
        with torch.no_grad():
            return model(torch.as_tensor(images, dtype=torch.float32)).argmax(1).numpy()


# ----------------------------------------------------------------------------- figures
def main(argv=None) -> int:
    """Full-size figures: honest accuracy of the reference (BEST_HPARAMS) with and without
    the transform over seeds; each recovery attack's accuracy and time with weights trained
    offline on all 60,000 plain images."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--skip-honest", action="store_true")
    parser.add_argument("--attacks", default=",".join(RECOVERY))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = load_mnist(download=False)
    if not args.skip_honest:
        for plain in (True, False):
            runs = [honest_accuracy(data, {**reference.BEST_HPARAMS, "seed": s}, s, plain)
                    for s in range(args.seeds)]
            print(f"honest, {'plain' if plain else 'transformed'}: "
                  f"{100 * statistics.mean(runs):.2f} +- {100 * statistics.stdev(runs):.2f} % "
                  f"({', '.join(f'{100 * r:.2f}' for r in runs)})", flush=True)
    offline = train_offline(data[0], data[1], reference.BEST_HPARAMS)
    recovery = Recovery(len(data[0]), len(data[2]), seed=1, offline=offline)
    print(f"offline weights on plain test images: "
          f"{100 * accuracy(offline, standardized(data[2]), data[3]):.2f} %", flush=True)
    for attack in args.attacks.split(","):
        for name, scramble in (("transform", None), ("pixel permutation", permutation_scramble)):
            accuracy_reached, seconds = recovery.run(attack, scramble)
            print(f"{attack:32s} against the {name:18s}: {100 * accuracy_reached:6.2f} % "
                  f"in {seconds:6.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
