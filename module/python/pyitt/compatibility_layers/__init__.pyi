"""Compatibility layers: itt_python (NERSC itt-python) and ittapi (Intel ittapi)."""
