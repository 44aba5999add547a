"""pyitt.event: pyitt.Event and pyitt.event()."""
from pyitt import Event, event

__all__ = ["Event", "event"]
