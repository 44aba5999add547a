"""Writes the Debian dependencies of the shared libraries some ELF files need, as dpkg-shlibdeps
computes them (`libc6 (>= 2.34), libfmt9 (>= 9.1.0+ds1), ...`):

    deb_depends.py OUT ELF...

Run at build time on the binaries the .deb ships, so that cpack_generator.cmake can put them in
Depends without CPack's own dpkg-shlibdeps step (which also adds ldconfig maintainer scripts that a
private library in /usr/lib/pyitt-host does not need).
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out, binaries = Path(argv[1]), [str(Path(b).resolve()) for b in argv[2:]]
    tool = shutil.which("dpkg-shlibdeps")
    if tool is None:
        print("deb_depends.py: dpkg-shlibdeps not found (Debian package dpkg-dev)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        # dpkg-shlibdeps works inside a source package: a minimal debian/control, and the binaries
        # in a package's staging tree (the one with a DEBIAN directory), here as links.
        staged = Path(work) / "debian" / "pyitt-host"
        (staged / "DEBIAN").mkdir(parents=True)
        (Path(work) / "debian" / "control").write_text(
            "Source: pyitt-host\n\nPackage: pyitt-host\nArchitecture: any\n")
        links = []
        for i, binary in enumerate(binaries):
            link = staged / f"{i}-{Path(binary).name}"
            link.symlink_to(binary)
            links.append(f"-e{link.relative_to(work)}")
        result = subprocess.run([tool, "-O", *links], cwd=work, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        return result.returncode
    for line in result.stdout.splitlines():
        if line.startswith("shlibs:Depends="):
            out.write_text(line.partition("=")[2].strip() + "\n")
            return 0
    print(f"deb_depends.py: no shlibs:Depends in dpkg-shlibdeps' output: {result.stdout!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
