"""pyitt.pt_region: pyitt.PTRegion and pyitt.pt_region()."""
from pyitt import PTRegion, pt_region

__all__ = ["PTRegion", "pt_region"]
