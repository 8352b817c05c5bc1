"""The MLP of assignment 2: batch norm between the linear map and the activation."""
import torch.nn as nn


def build_model(hparams):
    """MLP 784 -> hparams["hidden"][0] -> ... -> 10 logits.

    Every hidden layer is Linear -> BatchNorm1d -> ReLU -> Dropout(hparams["dropout"]):
    batch norm standardizes the pre-activations, dropout thins the activations.
    Returns an nn.Module, here an nn.Sequential (no softmax: cross_entropy takes logits).
    """
    layers, width = [], 784
    for size in hparams["hidden"]:
        layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU(),
                   nn.Dropout(hparams["dropout"])]
        width = size
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)
