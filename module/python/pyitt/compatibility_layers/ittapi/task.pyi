from pyitt.compatibility_layers.ittapi import (NestedTask as NestedTask, OverlappedTask as OverlappedTask,
                                               nested_task as nested_task, overlapped_task as overlapped_task,
                                               task as task)
