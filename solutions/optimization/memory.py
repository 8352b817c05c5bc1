"""Q7: how many bytes training a fully connected ReLU net holds in memory."""

OPTIMIZER_STATE_COPIES = {"sgd": 0, "momentum": 1, "adam": 2}


def count_parameters(layer_sizes):
    """P = sum_i (n_{i-1} * n_i + n_i): weights and biases of every layer."""
    return sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def training_memory(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                    per_example_grads=False):
    """Byte counts for training the MLP ``layer_sizes = [n_0, ..., n_L]`` on a batch.

        parameters = gradients = P * bytes
        optimizer_state = copies * P * bytes     (sgd 0, momentum 1, adam 2 copies)
        activations = batch_size * sum(layer_sizes) * bytes
        per_example_gradients = batch_size * P * bytes if per_example_grads else 0
        total = sum of the above
    Returns a dict of ints. Raises ValueError for an unknown optimizer.
    """
    if optimizer not in OPTIMIZER_STATE_COPIES:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of "
                         f"{tuple(OPTIMIZER_STATE_COPIES)}")
    p = count_parameters(layer_sizes) * bytes_per_value
    sizes = {
        "parameters": p,
        "gradients": p,
        "optimizer_state": OPTIMIZER_STATE_COPIES[optimizer] * p,
        "activations": batch_size * sum(layer_sizes) * bytes_per_value,
        "per_example_gradients": batch_size * p if per_example_grads else 0,
    }
    sizes = {k: int(v) for k, v in sizes.items()}
    sizes["total"] = sum(sizes.values())
    return sizes


# The two numeric answers for the 784-128-10 net at 4 bytes per value (1 MB = 10**6 bytes).
_MLP = [784, 128, 10]
megabytes_1 = (training_memory(_MLP, 1, "momentum")["total"]
               - training_memory(_MLP, 1, "momentum")["activations"]) / 1e6
megabytes_2 = megabytes_1 + training_memory(_MLP, 50, per_example_grads=True)[
    "per_example_gradients"] / 1e6
