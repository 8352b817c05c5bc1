"""Variants of Q8, lr_decay."""


def correct_formula(lr0, epoch, decay_rate):
    """lr0 / (1 + decay_rate * epoch)."""
    return lr0 / (1 + decay_rate * epoch)


def correct_float(lr0, epoch, decay_rate):
    """Same with explicit floats."""
    return float(lr0) * 1.0 / (1.0 + float(decay_rate) * float(epoch))


def wrong_precedence(lr0, epoch, decay_rate):
    """lr0 / (1 + decay_rate) * epoch."""
    return lr0 / (1 + decay_rate) * epoch


def wrong_exponential(lr0, epoch, decay_rate):
    """Exponential decay lr0 * decay_rate ** epoch."""
    return lr0 * decay_rate**epoch


def wrong_multiplies(lr0, epoch, decay_rate):
    """lr0 * (1 + decay_rate * epoch)."""
    return lr0 * (1 + decay_rate * epoch)


def wrong_off_by_one_epoch(lr0, epoch, decay_rate):
    """Counts epochs from 1."""
    return lr0 / (1 + decay_rate * (epoch + 1))


def wrong_returns_an_array(lr0, epoch, decay_rate):
    """np.asarray of the formula: a 0-d array, not a number."""
    import numpy as np
    return np.asarray(lr0 / (1 + decay_rate * epoch))
