"""The ittapi layer's PT regions (pyitt.compatibility_layers.ittapi.pt_region, as in pyitt)."""
from pyitt.compatibility_layers.ittapi import PTRegion, pt_region

__all__ = ["PTRegion", "pt_region"]
