"""Looking at outputs as a person would, in a real headless browser (Debian's chromium): serve a
directory over HTTP on the loopback, open a page, take a screenshot and the rendered DOM, and read
the screenshot's pixels (a PNG decoder of our own: no imaging library on the machine)."""
import functools
import http.server
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from contextlib import contextmanager


def chromium():
    """The browser's path, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def serving(directory):
    """http://127.0.0.1:PORT serving `directory` while the block runs."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _headless(url, *options, budget_ms=10000, size=(1400, 900), timeout=120):
    # A profile of its own, so that a test neither reads nor leaves anything in the user's ~/.config.
    with tempfile.TemporaryDirectory(prefix="pyitt-chromium-") as profile:
        return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                               "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}",
                               f"--window-size={size[0]},{size[1]}", f"--virtual-time-budget={budget_ms}", *options,
                               url],
                              capture_output=True, text=True, timeout=timeout)


def screenshot(url, path, **kwargs):
    """Renders `url` (after its scripts ran) into the PNG at `path`."""
    result = _headless(url, f"--screenshot={path}", **kwargs)
    assert path.exists(), result.stderr[-2000:]
    return path


def rendered_dom(url, **kwargs):
    return _headless(url, "--dump-dom", **kwargs).stdout


def png_pixels(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG, as chromium writes them."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + a) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + b) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append([tuple(row[x * channels:x * channels + 3]) for x in range(width)])
        previous = row
    return width, height, rows
