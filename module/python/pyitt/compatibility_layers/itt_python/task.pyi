from pyitt import Domain

def task_begin(domain: Domain, name: str) -> None: ...
def task_end(domain: Domain) -> None: ...  # no task open: nothing
