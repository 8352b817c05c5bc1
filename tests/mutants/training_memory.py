"""Variants of Q7, training_memory."""


def correct_dict_of_copies(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                           per_example_grads=False):
    """Parameter count with zip, a table of state copies."""
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    P = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))
    out = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
           "optimizer_state": copies[optimizer] * P * bytes_per_value,
           "activations": batch_size * sum(layer_sizes) * bytes_per_value,
           "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0}
    out["total"] = sum(out.values())
    return out


def correct_numpy_loop(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                       per_example_grads=False):
    """Loop over layers, numpy integers cast to int."""
    import numpy as np
    if optimizer == "sgd":
        k = 0
    elif optimizer == "momentum":
        k = 1
    elif optimizer == "adam":
        k = 2
    else:
        raise ValueError(f"unknown optimizer {optimizer}")
    sizes = np.asarray(layer_sizes, dtype=np.int64)
    P = 0
    for i in range(1, len(sizes)):
        P += sizes[i - 1] * sizes[i] + sizes[i]
    b = bytes_per_value
    parts = [("parameters", P * b), ("gradients", P * b), ("optimizer_state", k * P * b),
             ("activations", batch_size * sizes.sum() * b),
             ("per_example_gradients", batch_size * P * b * int(per_example_grads))]
    result = {name: int(value) for name, value in parts}
    result["total"] = int(sum(result.values()))
    return result


def wrong_forgets_biases(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                         per_example_grads=False):
    """Counts weights only."""
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    P = sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:]))
    out = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
           "optimizer_state": copies[optimizer] * P * bytes_per_value,
           "activations": batch_size * sum(layer_sizes) * bytes_per_value,
           "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0}
    out["total"] = sum(out.values())
    return out


def wrong_adam_one_copy(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                        per_example_grads=False):
    """Adam's state counted as one copy."""
    copies = {"sgd": 0, "momentum": 1, "adam": 1}
    if optimizer not in copies:
        raise ValueError(optimizer)
    P = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))
    out = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
           "optimizer_state": copies[optimizer] * P * bytes_per_value,
           "activations": batch_size * sum(layer_sizes) * bytes_per_value,
           "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0}
    out["total"] = sum(out.values())
    return out


def wrong_activations_without_input(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                                    per_example_grads=False):
    """Activations of the layers' outputs only (forgets the input)."""
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    P = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))
    out = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
           "optimizer_state": copies[optimizer] * P * bytes_per_value,
           "activations": batch_size * sum(layer_sizes[1:]) * bytes_per_value,
           "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0}
    out["total"] = sum(out.values())
    return out


def wrong_total_without_activations(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                                    per_example_grads=False):
    """total leaves out the activations."""
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    P = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))
    out = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
           "optimizer_state": copies[optimizer] * P * bytes_per_value,
           "activations": batch_size * sum(layer_sizes) * bytes_per_value,
           "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0}
    out["total"] = sum(v for k, v in out.items() if k != "activations")
    return out


def wrong_unknown_optimizer_is_sgd(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                                   per_example_grads=False):
    """Any other optimizer name silently counts as sgd."""
    copies = {"momentum": 1, "adam": 2}.get(optimizer, 0)
    P = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))
    out = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
           "optimizer_state": copies * P * bytes_per_value,
           "activations": batch_size * sum(layer_sizes) * bytes_per_value,
           "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0}
    out["total"] = sum(out.values())
    return out


def wrong_bits_not_bytes(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                         per_example_grads=False):
    """Ignores bytes_per_value: always 4 bytes."""
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    P = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))
    out = {"parameters": P * 4, "gradients": P * 4, "optimizer_state": copies[optimizer] * P * 4,
           "activations": batch_size * sum(layer_sizes) * 4,
           "per_example_gradients": batch_size * P * 4 if per_example_grads else 0}
    out["total"] = sum(out.values())
    return out


def wrong_float_byte_counts(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                            per_example_grads=False):
    """Counts in float arithmetic (P * 1.0): every byte count is a float like 36.0."""
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    P = 0.0
    for a, b in zip(layer_sizes, layer_sizes[1:]):
        P += a * b + b
    out = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
           "optimizer_state": copies[optimizer] * P * bytes_per_value,
           "activations": float(batch_size * sum(layer_sizes) * bytes_per_value),
           "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0.0}
    out["total"] = sum(out.values())
    return out
