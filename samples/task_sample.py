"""pyitt tasks: decorated functions and methods, `with` blocks, explicit begin()/end(), a coroutine.

    build/pyitt-host samples/task_sample.py            # built-in collector: trace + summary
    vtune -collect hotspots -knob enable-user-tasks=true -- build/pyitt-host samples/task_sample.py
"""
import asyncio

import pyitt


@pyitt.task  # named after the function: 'workload'
def workload(n):
    return sum(i * i for i in range(n))


class Pipeline:
    @pyitt.task(domain="sample.pipeline")  # 'Pipeline.stage'
    def stage(self, n):
        with pyitt.task("stage.inner", domain="sample.pipeline"):
            return workload(n)


@pyitt.task  # coroutine functions get overlapped tasks: concurrent calls overlap
async def fetch(delay):
    await asyncio.sleep(delay)
    return delay


async def fetch_all():
    return await asyncio.gather(fetch(0.01), fetch(0.02))


if __name__ == "__main__":
    workload(100_000)
    Pipeline().stage(50_000)
    with pyitt.task():  # named after this line: 'task_sample.py:<line>'
        workload(10_000)
    manual = pyitt.nested_task("manual")
    manual.begin()
    workload(10_000)
    manual.end()
    print("fetched", asyncio.run(fetch_all()))
