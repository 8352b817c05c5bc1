"""Reading a student's nn.Module through calls only (it may be a handle in the sealed
grader): its leaf layers in order, and its parameters as plain tensors."""
import torch


def leaf_layers(model) -> list:
    """The modules without children, in registration order (forward order of a Sequential)."""
    named = list(model.named_modules())
    names = [name for name, _ in named]
    return [module for name, module in named
            if not any(other.startswith(f"{name}.") or (name == "" and other) for other in names)]


def layer_names(model) -> list[str]:
    """Class names of the leaf layers, e.g. ["Linear", "BatchNorm1d", "ReLU", ...]."""
    return [module._get_name() for module in leaf_layers(model)]


def parameters(model) -> dict[str, torch.Tensor]:
    """Detached CPU copies of every parameter, by name."""
    return {name: torch.as_tensor(p).detach().cpu().clone() for name, p in model.named_parameters()}
