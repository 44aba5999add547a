"""pyitt.frame: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import Frame as Frame, frame as frame
