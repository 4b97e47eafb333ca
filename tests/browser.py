"""A headless Chromium (Debian's package) driven over the DevTools protocol, for the graph page.

Chromium's `--remote-debugging-pipe` reads JSON commands on fd 3 and writes answers on fd 4, each
ended by a NUL byte: no port to pick, no websocket library, nothing that can reach the network.
Used by tests/test_graph_page.py and bench/bench_graph.py.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserError(RuntimeError):
    pass


def _above_9(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Browser:
    """One headless Chromium with one page; `with Browser() as b: b.open(url)`."""

    def __init__(self, width: int = 1280, height: int = 800, timeout: float = 120):
        binary = chromium()
        if binary is None:
            raise BrowserError("chromium is not installed")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="vaultnet-chromium-")
        to_child, self._to_child = os.pipe()
        self._from_child, from_child = os.pipe()
        # bash puts the child's two pipe ends on fds 3 and 4, where Chromium looks for them;
        # moved above 9 first, so that neither is 3 or 4 already and gets overwritten.
        to_child, from_child = (_above_9(fd) for fd in (to_child, from_child))
        wrapper = f'exec "$0" "$@" 3<&{to_child} 4>&{from_child} {to_child}<&- {from_child}>&-'
        self.proc = subprocess.Popen(
            ["bash", "-c", wrapper, binary, *FLAGS, f"--user-data-dir={self.profile}",
             "--remote-debugging-pipe", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(to_child, from_child),
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._last_id = 0
        self.events: list[dict] = []
        try:
            targets = self.call("Target.getTargets")["targetInfos"]
            page = next(t for t in targets if t["type"] == "page")
            self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
            self.send("Page.enable")
            self.send("Runtime.enable")
            self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ protocol

    def _read(self) -> dict:
        end = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise BrowserError(f"chromium said nothing for {self.timeout:.0f} s")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self._last_id += 1
        message: dict = {"id": self._last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._last_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def send(self, method: str, **params) -> dict:
        """A command to the page."""
        return self.call(method, self.session, **params)

    # ------------------------------------------------------------------ the page

    def eval(self, expression: str):
        """The value of a JavaScript expression in the page (promises awaited), as JSON."""
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or details.get("text", ""))
        return result["result"].get("value")

    def page_errors(self) -> list[str]:
        """Uncaught exceptions and console.error calls so far."""
        out = []
        for event in self.events:
            if event.get("method") == "Runtime.exceptionThrown":
                details = event["params"]["exceptionDetails"]
                out.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif event.get("method") == "Runtime.consoleAPICalled" and event["params"]["type"] == "error":
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in event["params"]["args"]))
        return out

    def open(self, url: str, ready: str = "document.body && document.body.dataset.ready === '1'") -> float:
        """Load url and wait until `ready` is true; the seconds that took."""
        start = time.perf_counter()
        self.send("Page.navigate", url=url)
        self.wait(ready)
        return time.perf_counter() - start

    def wait(self, condition: str) -> None:
        end = time.monotonic() + self.timeout
        while True:
            errors = self.page_errors()
            if errors:
                raise BrowserError("the page failed: " + " | ".join(errors))
            if self.eval(f"Boolean({condition})"):
                return
            if time.monotonic() > end:
                raise BrowserError(f"timed out waiting for {condition}")
            time.sleep(0.05)

    def mouse(self, kind: str, x: float, y: float, button: str = "left", clicks: int = 1, **extra) -> None:
        self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button=button, clickCount=clicks, **extra)

    def click(self, x: float, y: float) -> None:
        self.mouse("mouseMoved", x, y, button="none", clicks=0)
        self.mouse("mousePressed", x, y)
        self.mouse("mouseReleased", x, y)

    def drag(self, start: tuple[float, float], end: tuple[float, float], steps: int = 10) -> None:
        (x0, y0), (x1, y1) = start, end
        self.mouse("mouseMoved", x0, y0, button="none", clicks=0)
        self.mouse("mousePressed", x0, y0)
        for i in range(1, steps + 1):
            self.mouse("mouseMoved", x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps, clicks=0)
        self.mouse("mouseReleased", x1, y1)

    def wheel(self, x: float, y: float, delta_y: float) -> None:
        self.mouse("mouseWheel", x, y, button="none", clicks=0, deltaX=0, deltaY=delta_y)

    def screenshot(self, path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))

    # ------------------------------------------------------------------ lifetime

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
