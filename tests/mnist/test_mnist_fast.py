"""The reference fast pipeline (solutions/mnist/fast.py) and ``make bench`` on small data.
CUDA-graph paths run on a GPU machine only (marked gpu)."""
import copy
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder import pipeline_bench
from autograder.mnist.data import load_mnist, to_tensors
from solutions.mnist.fast import FastTrainer, accuracy, adam, fast_fit, seed_mlp, set_lr, sgd


@pytest.fixture(scope="module")
def small():
    X_train, y_train, X_test, y_test = load_mnist(download=False)
    return X_train[:2000], y_train[:2000], X_test[:400], y_test[:400]


def test_full_batch_epoch_is_one_sgd_step():
    torch.manual_seed(0)
    X, y = torch.randn(64, 784), torch.randint(0, 10, (64,))
    model = seed_mlp(16)
    expected = copy.deepcopy(model)
    losses = fast_fit(model, X, y, sgd(model, lr=0.1), batch_size=64, epochs=1)
    opt = torch.optim.SGD(expected.parameters(), lr=0.1, momentum=0.9)
    loss = F.cross_entropy(expected(X), y)
    loss.backward()
    opt.step()
    assert losses == pytest.approx([loss.item()], rel=1e-6)
    for p, q in zip(model.parameters(), expected.parameters()):
        assert torch.allclose(p, q, atol=1e-6)


def test_every_sample_is_seen_once_per_epoch():
    X = torch.arange(10.0).repeat_interleave(784).reshape(10, 784)
    seen = []

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(784, 10)

        def forward(self, x):
            seen.extend(x[:, 0].tolist())
            return self.linear(x)

    model = Recorder()
    fast_fit(model, X, torch.zeros(10).long(), sgd(model, 0.01), batch_size=4, epochs=2)
    assert sorted(seen) == sorted(list(range(10)) * 2)


def test_learns_mnist_and_schedules_the_learning_rate(small):
    X, y = to_tensors(small[0], small[1])
    X_test, y_test = to_tensors(small[2], small[3])
    torch.manual_seed(0)
    model = seed_mlp()
    optimizer = adam(model, 0.003)
    rates = []
    losses = fast_fit(model, X, y, optimizer, 64, 3,
                      lr_schedule=lambda e: rates.append(0.003 / (1 + e)) or rates[-1])
    assert losses[-1] < losses[0] and accuracy(model, X_test, y_test) > 0.85
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.001)
    tensor_lr = torch.optim.Adam(seed_mlp().parameters(), lr=torch.tensor(0.01))
    set_lr(tensor_lr, 0.5)
    assert tensor_lr.param_groups[0]["lr"].item() == pytest.approx(0.5)


def test_bench_prints_one_table_and_writes_json(small, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(pipeline_bench, "load_mnist", lambda: small)
    monkeypatch.setattr(pipeline_bench, "MAX_EPOCHS_TO_TARGET", 2)
    out = tmp_path / "bench.json"
    assert pipeline_bench.main(["--seeds", "2", "--probe", "0.05", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "no GPU found" in text or "cuda" in text.lower()
    for label in ("One epoch", "Batch-size sweep", "Time to 98.0%", "faster", "Targets on one H100"):
        assert label in text
    result = json.loads(out.read_text())
    assert set(result["sweep"]) == {str(b) for b in pipeline_bench.SWEEP}
    assert result["sweep_speedup"] == pytest.approx(
        result["sweep_dataloader_s"] / result["sweep_reference_s"])
    assert result["time_to_98"]["seeds"] == 2 and len(result["time_to_98"]["seconds"]) == 2
    assert all(0 <= s["test_accuracy"] <= 1 for s in result["sweep"].values())


def test_bench_rejects_bad_options(capsys):
    with pytest.raises(SystemExit):
        pipeline_bench.main(["--seeds", "0"])
    assert "--seeds must be >= 1" in capsys.readouterr().err


@pytest.mark.gpu
def test_cuda_graphs_train_like_eager_steps(small):
    X, y = to_tensors(small[0], small[1], "cuda")
    results = []
    for graphs in (False, True):
        torch.manual_seed(0)
        model = seed_mlp().cuda()
        generator = torch.Generator(device="cuda").manual_seed(1)
        losses = fast_fit(model, X, y, sgd(model, 0.01), 100, 2, generator=generator,
                          cuda_graphs=graphs)
        results.append((losses, [p.detach().cpu() for p in model.parameters()]))
    assert np.allclose(results[0][0], results[1][0], rtol=1e-4)
    for p, q in zip(results[0][1], results[1][1]):
        assert torch.allclose(p, q, atol=1e-4)


@pytest.mark.gpu
def test_graphed_adam_with_schedule_reaches_high_accuracy(small):
    X, y = to_tensors(small[0], small[1], "cuda")
    X_test, y_test = to_tensors(small[2], small[3], "cuda")
    torch.manual_seed(0)
    model = seed_mlp().cuda()
    trainer = FastTrainer(model, X, y, adam(model, 0.003), 37)   # 2000 % 37: two graphs
    for epoch in range(3):
        set_lr(trainer.eager.optimizer, 0.003 / (1 + epoch))
        trainer.epoch()
    assert len(trainer.graphed) == 2 and accuracy(model, X_test, y_test) > 0.85
