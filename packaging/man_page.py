"""Build-time helpers for the installed documentation.

    man_page.py man HOST VERSION DATE OUT.1   pyitt-host.1 (and OUT.1.gz) from `HOST --help`
    man_page.py gzip IN OUT.gz                 gzip -9n: no name, no time stamp (reproducible)

The man page is the --help text itself, laid out as a man page: its first line is NAME, the usage
lines are SYNOPSIS, the prose under them DESCRIPTION, and every option group of the help is a
subsection of OPTIONS with each option and its description as in the help.
"""
import gzip
import os
import re
import subprocess
import sys

HEADING = re.compile(r"^([A-Z][A-Za-z ]*):$")
OPTION_NAME = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def roff_text(text: str) -> str:
    """Escapes a line of text for roff: backslashes, minus signs, and a leading control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def roff_option(spec: str) -> str:
    """An option column of the help (`-I,--function-include FUNC... ...`) with its names in bold."""
    pieces = []
    last = 0
    for match in OPTION_NAME.finditer(spec):
        pieces.append(roff_text(spec[last:match.start()]))
        pieces.append("\\fB" + roff_text(match.group(1)) + "\\fR")
        last = match.end()
    pieces.append(roff_text(spec[last:]))
    return "".join(pieces).lstrip(".'")


def description_column(lines) -> int:
    """Where CLI11 starts option descriptions: the indent of a description on its own line."""
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if indent > 2 and line.strip():
            return indent
    return 30


def parse_help(text: str):
    """Splits the help into (name line, usage lines, prose paragraphs, [(group, [(spec, desc)])])."""
    lines = text.splitlines()
    name = lines[0].strip()
    usage, prose, groups = [], [[]], []
    column = description_column(lines)
    section = None
    for i, line in enumerate(lines[1:], start=1):
        heading = HEADING.match(line)
        if heading:
            section = heading.group(1)
            if section != "Usage":
                groups.append((section, []))
            continue
        if not line.strip():
            if section is None and prose[-1]:
                prose.append([])
            continue
        if line.startswith("Usage: "):
            continue  # CLI11's own usage line for an unnamed app: the real ones are under Usage:
        if section == "Usage":
            if line.startswith(" "):
                usage.append(line.strip())
                continue
            section = None
        if section is None:
            prose[-1].append(line.strip())
            continue
        entries = groups[-1][1]
        if line.startswith("   ") and entries:  # a description on its own line, under its option
            spec, desc = entries[-1]
            entries[-1] = (spec, (desc + " " + line.strip()).strip())
            continue
        described_below = i + 1 < len(lines) and lines[i + 1].startswith("   ")
        if not described_below and len(line) > column and line[column - 1] == " ":
            entries.append((line[:column].strip(), line[column:].strip()))
        else:
            entries.append((line.strip(), ""))
    return name, usage, [p for p in prose if p], groups


def man_page(help_text: str, version: str, date: str) -> str:
    name, usage, prose, groups = parse_help(help_text)
    program, _, summary = name.partition(":")
    out = [
        f'.TH {program.upper()} 1 "{date}" "{program} {version}" "User Commands"',
        ".nh",  # option names are not to be hyphenated
        ".SH NAME",
        f"{roff_text(program)} \\- {roff_text(summary.strip().rstrip('.'))}",
        ".SH SYNOPSIS",
    ]
    for i, line in enumerate(usage):
        if i:
            out.append(".br")
        command, _, arguments = line.partition(" ")
        out.append(f"\\fB{roff_text(command)}\\fR {roff_text(arguments)}")
    out.append(".SH DESCRIPTION")
    for i, paragraph in enumerate(prose):
        if i:
            out.append(".PP")
        out.extend(roff_text(line) for line in paragraph)
    out.append(".SH OPTIONS")
    for group, entries in groups:
        if group != "Options":
            out.append(f".SS {roff_text(group)}")
        for spec, desc in entries:
            out.append(".TP")
            out.append(roff_option(spec))
            out.append(roff_text(desc) if desc else "\\&")
    return "\n".join(out) + "\n"


def write_gzip(data: bytes, path: str) -> None:
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as packed:
            packed.write(data)


def main(argv) -> int:
    if len(argv) == 6 and argv[1] == "man":
        host, version, date, out = argv[2:]
        # A build run under pyitt-host must not make this --help a child's python command line.
        env = {k: v for k, v in os.environ.items() if k != "PYITT_HOST_OPTIONS"}
        help_text = subprocess.run([host, "--help"], check=True, capture_output=True, text=True, env=env).stdout
        page = man_page(help_text, version, date).encode()
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
