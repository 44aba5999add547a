"""Records some calls, then replaces itself with another program (os.execv): what was recorded
before the exec is in the trace."""
import os
import sys


def before(n):
    return n


for n in range(25):
    before(n)
print("exec", flush=True)
if sys.argv[1:] == ["python"]:
    os.execv(sys.executable, [sys.executable, os.path.join(os.path.dirname(__file__), "exec_target.py")])
os.execvp("echo", ["echo", "echo after exec"])
