"""Argument checks of the itt_python layer: itt-python takes only str names."""


def require_str(function, param, value):
    if not isinstance(value, str):
        raise TypeError(f"{function}(): argument '{param}' must be str, not {type(value).__name__}")
