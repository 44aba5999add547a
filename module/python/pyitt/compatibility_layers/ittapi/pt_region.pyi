from pyitt.compatibility_layers.ittapi import PTRegion as PTRegion, pt_region as pt_region
