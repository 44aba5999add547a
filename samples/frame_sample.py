"""pyitt frames: one frame per iteration of a main loop (VTune's frame rate analysis).

    build/pyitt-host samples/frame_sample.py
    vtune -collect hotspots -knob enable-user-tasks=true -- build/pyitt-host samples/frame_sample.py
"""
import time

import pyitt

render_domain = pyitt.domain("sample.render")


@pyitt.frame(domain=render_domain)
def render():
    time.sleep(0.002)


if __name__ == "__main__":
    for frame_number in range(10):
        with pyitt.frame(domain="sample.loop"):
            render()
    # A frame measured elsewhere, submitted afterwards.
    begin = pyitt.get_timestamp()
    time.sleep(0.001)
    pyitt.frame_submit(render_domain, begin, pyitt.get_timestamp())
