"""pyitt counters: pyitt's u64 counter (+=, -=, inc, dec, set) and the typed ones.

    build/pyitt-host samples/counter_sample.py
    vtune -collect hotspots -knob enable-user-tasks=true -- build/pyitt-host samples/counter_sample.py
"""
import math

import pyitt

if __name__ == "__main__":
    queue = pyitt.counter("queue length", domain="sample.counters")
    load = pyitt.Counter("load", domain="sample.counters", value=0.0, type="double")
    balance = pyitt.Counter("balance", domain="sample.counters", value=0, type=pyitt.MetadataType.S64)
    for step in range(20):
        queue += 3
        queue -= 1
        load.set(0.5 + 0.5 * math.sin(step / 3))
        balance.dec(5) if step % 2 else balance.inc(3)
    queue.set(0)
    print(queue, load.value, balance.value)
