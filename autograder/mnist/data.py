"""MNIST from the original IDX files, checksums verified (docs/spec.md, "Data").

Shipped to students as ``mnist_data.py`` next to the notebook, so it is self-contained:
standard library, numpy and (for ``to_tensors``) torch.

Where the files come from, first match wins (each of the four files as ``<name>.gz`` or
raw ``<name>``):
1. the ``root`` argument;
2. the folder in ``$ADVOPT_MNIST_DIR``;
3. ``~/.cache/advopt/mnist``, downloaded there from the public mirrors when missing
   (``download=False`` turns that off). ``$ADVOPT_MNIST_MIRRORS`` (comma-separated base
   URLs) replaces the mirror list, e.g. with a local mirror.

Every file is checked against the md5 of its decompressed content; a wrong magic number,
a truncated file or a wrong checksum raises ``MnistError`` naming the file.

    X_train, y_train, X_test, y_test = load_mnist()     # uint8 (N, 28, 28) and (N,)
    X, y = to_tensors(X_train, y_train, "cuda")         # float32 (N, 784), int64 (N,)

As a script (``make data`` runs the first form; students run ``python mnist_data.py
fetch``), with exit status 1 and one line of error when MNIST cannot be found or downloaded:

    python autograder/mnist/data.py fetch               # as load_mnist() finds it
    python autograder/mnist/data.py fetch --dir DIR     # download into DIR
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shutil
import struct
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ENV_VAR = "ADVOPT_MNIST_DIR"
MIRRORS_ENV_VAR = "ADVOPT_MNIST_MIRRORS"
CACHE_DIR = Path.home() / ".cache" / "advopt" / "mnist"
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
           "https://storage.googleapis.com/cvdf-datasets/mnist/")
FILES = {  # md5 of the decompressed content
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
MEAN, STD = 0.1307, 0.3081   # of the training pixels scaled to [0, 1]
# both ways, for a notebook (an environment variable must be set before Jupyter starts)
# and for a script
HOW_TO_PROVIDE = (f"put the four MNIST files ({', '.join(FILES)}; .gz or raw) in a folder "
                  f"and pass it in the notebook, load_mnist(root=\"path/to/folder\"), or "
                  f"set ${ENV_VAR} to it before starting Jupyter or a script")


class MnistError(ValueError):
    """MNIST files missing, unreadable or not the expected content."""


def read_idx(path: str | os.PathLike, expected_md5: str | None = None) -> np.ndarray:
    """The array in one IDX file (``.gz`` or raw): uint8, shape from its header.

    IDX: big-endian magic ``0x0000 08 ndim`` (08 = unsigned byte), ``ndim`` u32 sizes,
    then the bytes. Raises MnistError for a wrong magic, a truncated file or (with
    ``expected_md5``) a checksum that does not match the decompressed content.
    """
    path = Path(path)
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise MnistError(f"{path}: cannot read ({e})") from None
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != 0x08 or not 1 <= data[3] <= 4:
        raise MnistError(f"{path}: not an IDX file of unsigned bytes (magic {data[:4].hex()})")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise MnistError(f"{path}: truncated header")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    offset, size = 4 + 4 * ndim, int(np.prod(shape))
    if len(data) != offset + size:
        raise MnistError(f"{path}: {len(data) - offset} data bytes, the header {shape} "
                         f"says {size} (truncated or corrupt)")
    if expected_md5 is not None and hashlib.md5(data).hexdigest() != expected_md5:
        raise MnistError(f"{path}: checksum mismatch (md5 {hashlib.md5(data).hexdigest()}, "
                         f"expected {expected_md5}); delete it and load again")
    return np.frombuffer(data, np.uint8, offset=offset).reshape(shape).copy()


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def mirrors() -> tuple[str, ...]:
    """Base URLs to download from: ``$ADVOPT_MNIST_MIRRORS`` (comma-separated) when set,
    else MIRRORS; each ends with "/"."""
    listed = [url.strip() for url in os.environ.get(MIRRORS_ENV_VAR, "").split(",")]
    return tuple(url.rstrip("/") + "/" for url in listed if url) or MIRRORS


def download(folder: str | os.PathLike = CACHE_DIR) -> Path:
    """Download the missing files into ``folder`` from the first mirror that answers,
    verifying each before it is kept; return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, md5 in FILES.items():
        if _find(folder, name):
            continue
        errors = []
        for mirror in mirrors():
            with tempfile.NamedTemporaryFile(dir=folder, suffix=".gz", delete=False) as tmp:
                try:
                    with urllib.request.urlopen(f"{mirror}{name}.gz", timeout=60) as response:
                        shutil.copyfileobj(response, tmp)
                except (urllib.error.URLError, OSError) as e:
                    errors.append(f"{mirror}: {getattr(e, 'reason', e)}")
                    os.unlink(tmp.name)
                    continue
            try:
                read_idx(tmp.name, md5)
            except MnistError as e:
                errors.append(f"{mirror}: {e}")
                os.unlink(tmp.name)
                continue
            os.replace(tmp.name, folder / f"{name}.gz")
            break
        else:
            raise MnistError(
                f"could not download {name}.gz from any mirror ({'; '.join(errors)}). "
                f"Connect to the internet and try again, or {HOW_TO_PROVIDE}.")
    return folder


def locate(root: str | os.PathLike | None = None, download_missing: bool = True) -> Path:
    """The folder to read MNIST from (see the module docstring for the order)."""
    explicit = root if root is not None else os.environ.get(ENV_VAR)
    if explicit:
        folder = Path(explicit).expanduser()
        missing = [n for n in FILES if not _find(folder, n)]
        if missing:
            named_by = "" if root is not None else f" (${ENV_VAR})"
            raise MnistError(f"{folder}{named_by}: missing {', '.join(missing)} (.gz or raw)")
        return folder
    if all(_find(CACHE_DIR, n) for n in FILES):
        return CACHE_DIR
    if not download_missing:
        raise MnistError(f"MNIST not found: {HOW_TO_PROVIDE}, or allow the download into "
                         f"{CACHE_DIR}")
    return download(CACHE_DIR)


def load_mnist(root: str | os.PathLike | None = None, download: bool = True):
    """``(X_train, y_train, X_test, y_test)``: uint8 images (N, 28, 28), uint8 labels (N,)."""
    folder = locate(root, download)
    return tuple(read_idx(_find(folder, name), md5) for name, md5 in FILES.items())


def fetch(folder: str | os.PathLike | None = None) -> Path:
    """Make MNIST available and verify it: download the missing files into ``folder``
    when given, else find it as ``load_mnist()`` does (downloading into the cache when
    ``$ADVOPT_MNIST_DIR`` is unset); every file's checksum is checked. Returns the folder."""
    found = download(folder) if folder is not None else locate()
    load_mnist(found, download=False)
    return found


def to_tensors(images, labels=None, device="cpu"):
    """Images -> float32 tensor (N, 784) on ``device``, scaled to [0, 1] and standardized
    with the training set's MEAN and STD; labels -> int64 (N,). The conversion runs on
    ``device`` (the uint8 bytes are what crosses to it). Returns X, or (X, y)."""
    import torch

    raw = torch.as_tensor(np.asarray(images)).to(device)
    X = raw.reshape(raw.shape[0], -1).float().div_(255.0).sub_(MEAN).div_(STD)  # in place
    if labels is None:
        return X
    return X, torch.as_tensor(np.asarray(labels)).to(device).long()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=Path(sys.argv[0]).name,
                                     description="Download (once) and verify MNIST.")
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_command = commands.add_parser("fetch", help="download the missing files, verify all")
    fetch_command.add_argument("--dir", type=Path, default=None, help=(
        f"download into DIR (default: ${ENV_VAR} when set, else {CACHE_DIR})"))
    args = parser.parse_args(argv)
    try:
        folder = fetch(args.dir)
    except (MnistError, OSError) as e:  # OSError: a folder that cannot be written
        print(f"MNIST: {e}", file=sys.stderr)
        return 1
    print(f"MNIST: {folder} (four files, checksums verified)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
