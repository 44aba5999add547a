"""What the program finds imported at its first line, as python leaves it."""
import sys

print(sorted(name for name in sys.modules if name != "__main__"))
print([type(finder).__name__ if not isinstance(finder, type) else finder.__name__ for finder in sys.meta_path])
