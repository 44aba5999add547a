"""The ittapi layer's events (pyitt.compatibility_layers.ittapi.event, as in pyitt)."""
from pyitt.compatibility_layers.ittapi import Event, event

__all__ = ["Event", "event"]
