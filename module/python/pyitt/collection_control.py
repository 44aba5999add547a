"""pyitt.collection_control: pause, resume and detach, and the regions that switch collection."""
from pyitt import (ActiveRegion, ManualCollectionRegionActivator, PausedRegion, active_region, detach, pause,
                   paused_region, resume)

__all__ = ["ActiveRegion", "ManualCollectionRegionActivator", "PausedRegion", "active_region", "detach", "pause",
           "paused_region", "resume"]
