"""Compatibility layers: pyitt as the backend of other ITT bindings' APIs.

* pyitt.compatibility_layers.itt_python: NERSC's itt-python (`import itt`).
* pyitt.compatibility_layers.ittapi: Intel's ittapi Python binding (`import ittapi`).

Replace the import and the program runs unchanged, e.g.
`import pyitt.compatibility_layers.itt_python as itt`.
"""
