"""Collection control: profile only the interesting part (run VTune with -start-paused).

    vtune -collect hotspots -start-paused -- build/pyitt-host samples/collection_control_sample.py
    build/pyitt-host samples/collection_control_sample.py   # the trace shows pause/resume marks
"""
import pyitt


def warm_up():
    return sum(range(200_000))


@pyitt.active_region  # collection is resumed inside, paused again after
def interesting():
    with pyitt.task("interesting work"):
        return sum(i * i for i in range(200_000))


if __name__ == "__main__":
    pyitt.pause()  # for a run without -start-paused
    warm_up()
    interesting()
    switch = pyitt.ManualCollectionRegionActivator()
    with pyitt.active_region(activator=switch):
        interesting()
    switch.deactivate()  # this region no longer resumes collection
    with pyitt.active_region(activator=switch):
        warm_up()
    pyitt.resume()
    with pyitt.paused_region():
        warm_up()  # not collected
    pyitt.detach()  # nothing more is collected
    warm_up()
