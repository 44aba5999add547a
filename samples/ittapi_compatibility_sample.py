"""An ittapi (Intel's Python binding) program, unchanged but for its import line.

    build/pyitt-host samples/ittapi_compatibility_sample.py
    vtune -collect hotspots -knob enable-user-tasks=true -- build/pyitt-host samples/ittapi_compatibility_sample.py
"""
import pyitt.compatibility_layers.ittapi as ittapi  # was: import ittapi


@ittapi.task  # domain 'pyitt', as with pyitt's ittapi layer
def workload():
    return sum(i * i for i in range(100_000))


if __name__ == "__main__":
    workload()
    with ittapi.task("explicit", domain=ittapi.domain("sample.ittapi")) as task:
        workload()
    print("ended", task.name(), "in", task.domain())
    with ittapi.event("event"):
        workload()
