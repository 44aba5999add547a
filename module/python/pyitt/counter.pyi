"""pyitt.counter: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import counter as counter
