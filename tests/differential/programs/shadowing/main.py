"""Modules beside the script shadow the standard library, as under python (gevent-style programs
patch threading before anyone imports it)."""
import re
import enum
import threading

print(re.WHO, enum.WHO, threading.WHO)
