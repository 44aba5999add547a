"""pyitt.collection_control: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import (ActiveRegion as ActiveRegion, ManualCollectionRegionActivator as ManualCollectionRegionActivator,
                   PausedRegion as PausedRegion, active_region as active_region, detach as detach, pause as pause,
                   paused_region as paused_region, resume as resume)
