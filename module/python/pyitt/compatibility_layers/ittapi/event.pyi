from pyitt.compatibility_layers.ittapi import Event as Event, event as event
