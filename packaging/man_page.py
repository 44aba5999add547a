"""Build-time helpers for the installed documentation.

    man_page.py man HOST VERSION DATE INCLUDE OUT.1   pyitt-host.1 (and OUT.1.gz): help2man of HOST
    man_page.py gzip IN OUT.gz                         gzip -9n: no name, no time stamp (reproducible)

The man page is help2man's: SYNOPSIS and OPTIONS from `HOST --help`, the rest (NAME, ENVIRONMENT,
FILES, EXIT STATUS, EXAMPLES, SEE ALSO) from the include file, pyitt-host.h2m.
"""
import datetime
import gzip
import os
import shutil
import subprocess
import sys


def help2man(host: str, version: str, date: str, include: str) -> bytes:
    if shutil.which("help2man") is None:
        sys.exit("man_page.py: error: help2man is missing (Debian: apt-get install help2man, or run "
                 "third_party/bootstrap.sh)")
    # The same page whoever builds it: the help laid out for 80 columns, the release's date, and no
    # inherited PYITT_HOST_OPTIONS (a build run under pyitt-host would make --help a child's python).
    epoch = int(datetime.datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc).timestamp())
    env = {k: v for k, v in os.environ.items() if k != "PYITT_HOST_OPTIONS"}
    env.update(COLUMNS="80", SOURCE_DATE_EPOCH=str(epoch), LC_ALL="C.UTF-8")
    return subprocess.run(["help2man", "--no-info", f"--version-string={version}", f"--include={include}", host],
                          check=True, capture_output=True, env=env).stdout


def write_gzip(data: bytes, path: str) -> None:
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as packed:
            packed.write(data)


def main(argv) -> int:
    if len(argv) == 7 and argv[1] == "man":
        host, version, date, include, out = argv[2:]
        page = help2man(host, version, date, include)
        with open(out, "wb") as f:
            f.write(page)
        write_gzip(page, out + ".gz")
        return 0
    if len(argv) == 4 and argv[1] == "gzip":
        with open(argv[2], "rb") as f:
            write_gzip(f.read(), argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
