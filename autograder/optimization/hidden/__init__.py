"""Hidden checks of the ``optimization`` assignment (only in the autograder, never shipped)."""


def right_values_first(values_check, *functions):
    """Run ``values_check(*functions)`` ahead of a check of another property of the same
    functions (conventions, inputs left unchanged): such a property earns credit only for
    a function whose values are right, since a placeholder (``return np.zeros_like(x)``,
    ``return w, m, v``) has every one of them. Raises AssertionError naming the failed check."""
    try:
        values_check(*functions)
    except AssertionError as e:
        raise AssertionError(f"{values_check.__name__} fails, and this case credits only "
                             f"right values: {e}") from None
