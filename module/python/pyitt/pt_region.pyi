"""pyitt.pt_region: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import PTRegion as PTRegion, pt_region as pt_region
