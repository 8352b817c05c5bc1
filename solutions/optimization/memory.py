"""Q7: how many bytes training a fully connected ReLU net holds in memory."""

def training_memory(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                    per_example_grads=False):
    """Byte counts for training the MLP ``layer_sizes = [n_0, ..., n_L]`` on a batch.

        P = sum(n_{i-1} * n_i + n_i)             (weights and biases of every layer)
        parameters = gradients = P * bytes
        optimizer_state = copies * P * bytes     (sgd 0, momentum 1, adam 2 copies)
        activations = batch_size * sum(layer_sizes) * bytes
        per_example_gradients = batch_size * P * bytes if per_example_grads else 0
        total = sum of the above
    Returns a dict of ints. Raises ValueError for an unknown optimizer.
    """
    state_copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in state_copies:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {tuple(state_copies)}")
    n_params = sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    p = n_params * bytes_per_value
    sizes = {
        "parameters": p,
        "gradients": p,
        "optimizer_state": state_copies[optimizer] * p,
        "activations": batch_size * sum(layer_sizes) * bytes_per_value,
        "per_example_gradients": batch_size * p if per_example_grads else 0,
    }
    sizes = {k: int(v) for k, v in sizes.items()}
    sizes["total"] = sum(sizes.values())
    return sizes


# The two numeric answers for the 784-128-10 net at 4 bytes per value (1 MB = 10**6 bytes):
# parameters + gradients + momentum = 3 P values; then one gradient per example for 50 examples.
P_784_128_10 = 784 * 128 + 128 + 128 * 10 + 10
megabytes_1 = 3 * P_784_128_10 * 4 / 1e6
megabytes_2 = megabytes_1 + 50 * P_784_128_10 * 4 / 1e6
