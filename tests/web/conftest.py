"""Fixtures of the explorer's tests: an in-process client and a live server for the browser."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


#: The README's two-good model: a small valid model file to upload.
SMALL_MODEL = """
[model]
name = "my-model"

[parameters.k]
default = 0.9
domain = "(0, 1]"
description = "trading efficiency"

[parameters.a]
default = 1.5
domain = "(1, inf)"
description = "degree of economies of specialization"

[goods.x]
trading_efficiency = "k"
[goods.y]
trading_efficiency = "k"

[utility]
weights = { x = 1, y = 1 }

[[technologies.x]]
output = "l**a"
[[technologies.y]]
output = "l**a"

[structures]
A = ["(xy)"]
D = ["(x/y)", "(y/x)"]
"""


@pytest.fixture
def small_model() -> str:
    return SMALL_MODEL


@pytest.fixture(scope="session")
def app():
    from inframarginal.web import create_app

    return create_app("li-ke-2020", warm=False)


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    # the server answers only requests addressed to it (DNS rebinding): a local address
    with TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False) as c:
        yield c


@contextmanager
def threaded_server(app) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread, on a free loopback port; yields its address.

    A real server (sockets, uvicorn's event loop) whose workers fork from this
    process's forkserver, already warm when an in-process app started it.
    """
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="session")
def live_server():
    """``inframarginal serve --port 0`` in a subprocess: the command a user runs.

    Yields the address it prints; the process is stopped (by its id) at the end.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", "from inframarginal.cli import main; main()", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if line or process.poll() is not None:
                break
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise RuntimeError(f"serve printed {line!r}; stderr: {process.stderr.read() if process.poll() is not None else ''}")
        yield match.group(0)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright.

    Skips when Chromium is absent on a developer's machine; in CI (``CI`` set) its
    absence fails the tests instead, so that they never silently skip there.
    """
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is absent (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the browser tests")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that records script errors and failed requests; checked at the end."""
    # bypass_csp: Playwright polls with evaluated expressions, which the page's policy forbids
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda err: problems.append(f"script error: {err}"))
    pg.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.problems = problems
    yield pg
    context.close()


@pytest.fixture
def shoot():
    """Save a page's screenshot under tests/artifacts/ (gitignored); returns its path."""

    def save(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
