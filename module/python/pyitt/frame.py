"""pyitt.frame: pyitt.Frame and pyitt.frame()."""
from pyitt import Frame, frame

__all__ = ["Frame", "frame"]
