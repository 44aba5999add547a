"""pyitt events (__itt_event_start/end) and markers with a scope.

    build/pyitt-host samples/event_sample.py
    vtune -collect hotspots -knob enable-user-tasks=true -- build/pyitt-host samples/event_sample.py
"""
import time

import pyitt


@pyitt.event
def handle_request():
    time.sleep(0.001)


if __name__ == "__main__":
    pyitt.marker("start", domain="sample.events", scope="global")
    for _ in range(3):
        handle_request()
    with pyitt.event("flush"):
        time.sleep(0.002)
    pyitt.marker("end", domain="sample.events", scope=pyitt.Scope.GLOBAL)
