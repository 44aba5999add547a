"""An itt-python (NERSC) program, unchanged but for its import line.

    build/pyitt-host samples/itt_python_compatibility_sample.py
    vtune -collect hotspots -start-paused -knob enable-user-tasks=true -- \\
        build/pyitt-host samples/itt_python_compatibility_sample.py
"""
import pyitt.compatibility_layers.itt_python as itt  # was: import itt


def uninteresting():
    return sum(range(100_000))


if __name__ == "__main__":
    uninteresting()
    itt.resume()
    domain = itt.domain_create("example.domain")
    itt.task_begin(domain, "awesome")
    sum(i * i for i in range(100_000))
    itt.task_end(domain)
    itt.pause()
    uninteresting()
    itt.detach()
