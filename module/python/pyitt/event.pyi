"""pyitt.event: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import Event as Event, event as event
