"""The MNIST loader: IDX parsing, checksums, where files come from, clear errors."""
import gzip
import hashlib
import struct

import numpy as np
import pytest
import torch

from autograder.mnist import data


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_set(folder, arrays, compress=True):
    """Write four small IDX files and point data.FILES' checksums at them."""
    folder.mkdir(exist_ok=True)
    sums = {}
    for name, array in arrays.items():
        raw = idx_bytes(array)
        sums[name] = hashlib.md5(raw).hexdigest()
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return sums


@pytest.fixture
def small_set(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (20, 28, 28)),
              "train-labels-idx1-ubyte": rng.integers(0, 10, 20),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28)),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, 5)}
    monkeypatch.setattr(data, "FILES", write_set(tmp_path / "mnist", arrays))
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    return tmp_path / "mnist", arrays


def test_reads_small_generated_files_gz_and_raw(small_set, tmp_path, monkeypatch):
    folder, arrays = small_set
    loaded = data.load_mnist(folder, download=False)
    for got, expected in zip(loaded, arrays.values()):
        assert got.dtype == np.uint8 and np.array_equal(got, expected)
    raw = tmp_path / "raw"
    monkeypatch.setattr(data, "FILES", write_set(raw, arrays, compress=False))
    assert np.array_equal(data.load_mnist(raw, download=False)[2], arrays["t10k-images-idx3-ubyte"])


def test_environment_variable_names_the_folder(small_set, monkeypatch):
    folder, arrays = small_set
    monkeypatch.setenv(data.ENV_VAR, str(folder))
    assert data.locate() == folder
    assert data.load_mnist()[1].shape == (20,)


@pytest.mark.parametrize("damage, message", [
    (lambda raw: b"\x00\x00\x09\x01" + raw[4:], "not an IDX file"),
    (lambda raw: raw[:-7], "truncated"),
    (lambda raw: raw[:6], "truncated header"),
    (lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]), "checksum mismatch"),
])
def test_bad_files_give_a_clear_error(small_set, damage, message):
    folder, _ = small_set
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(damage(gzip.decompress(path.read_bytes()))))
    with pytest.raises(data.MnistError, match=message) as info:
        data.load_mnist(folder, download=False)
    assert "train-labels-idx1-ubyte" in str(info.value)


def test_broken_gzip_and_missing_files(small_set):
    folder, _ = small_set
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(data.MnistError, match="cannot read"):
        data.load_mnist(folder, download=False)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.MnistError, match="missing t10k-labels-idx1-ubyte"):
        data.load_mnist(folder, download=False)


def test_no_data_and_no_download_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "empty")
    with pytest.raises(data.MnistError) as info:
        data.load_mnist(download=False)
    assert data.ENV_VAR in str(info.value) and 'load_mnist(root="' in str(info.value)


def test_download_verifies_and_reports_offline(small_set, tmp_path, monkeypatch):
    """Downloads go through urllib: served here from local files (no network in tests)."""
    folder, arrays = small_set
    served = {f"https://mirror/{p.name}": p.read_bytes() for p in folder.iterdir()}
    served["https://mirror/t10k-labels-idx1-ubyte.gz"] = gzip.compress(b"corrupt")

    class Response:
        def __init__(self, url):
            import io
            if url not in served:
                raise data.urllib.error.URLError("offline")
            self.stream = io.BytesIO(served[url])

        def __enter__(self):
            return self.stream

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(data, "MIRRORS", ("https://down/", "https://mirror/"))
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda url, timeout: Response(url))
    target = tmp_path / "cache"
    with pytest.raises(data.MnistError) as info:
        data.download(target)
    text = str(info.value)
    assert "t10k-labels-idx1-ubyte" in text and "offline" in text and data.ENV_VAR in text
    assert 'load_mnist(root="path/to/folder")' in text  # the way that works in Jupyter
    kept = sorted(p.name for p in target.iterdir())
    assert kept == ["t10k-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz",
                    "train-labels-idx1-ubyte.gz"], "only verified files are kept"


def test_to_tensors_standardizes_on_the_device():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    X, y = data.to_tensors(images, np.array([7], dtype=np.uint8), "cpu")
    assert X.shape == (1, 4) and X.dtype == torch.float32 and y.dtype == torch.int64
    expected = (torch.tensor([0, 255, 51, 102]) / 255.0 - data.MEAN) / data.STD
    assert torch.allclose(X[0], expected)
    assert data.to_tensors(images).shape == (1, 4)


def test_the_copy_found_matches_the_checksums():
    """The folder conftest pinned (where `make data` put MNIST) holds the real files."""
    X_train, y_train, X_test, y_test = data.load_mnist(download=False)
    assert X_train.shape == (60000, 28, 28) and X_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,) and y_train.max() == 9
