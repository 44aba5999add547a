"""Intel Processor Trace regions: mark the code to analyse with Intel PT (VTune's anomaly detection).

    vtune -collect anomaly-detection -- build/pyitt-host samples/pt_region_sample.py
    build/pyitt-host samples/pt_region_sample.py   # runs; the built-in collector records no PT marks
"""
import pyitt


@pyitt.pt_region  # named after the function
def hot_loop():
    return sum(i * i for i in range(10_000))


if __name__ == "__main__":
    for _ in range(5):
        hot_loop()
    with pyitt.pt_region("explicit region"):
        hot_loop()
