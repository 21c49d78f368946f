"""Headless Chromium (Debian's ``chromium`` + ``chromium-driver``, installed by ``make
browser``) driven by Selenium, and screenshots checked for content."""

from __future__ import annotations

import base64
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

T = TypeVar("T")
WAIT_S = 30.0
MIN_COLOURS = 12
"""A screenshot region with fewer distinct colours is blank (or one flat box)."""

# Decodes the saved PNG in a canvas and counts the distinct colours of a region of it.
_COUNT_COLOURS = """
const [data, box, done] = arguments;
const image = new Image();
image.onload = () => {
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const [x, y, w, h] = box || [0, 0, image.width, image.height];
  const pixels = context.getImageData(x, y, Math.max(1, w), Math.max(1, h)).data;
  const seen = new Set();
  for (let i = 0; i < pixels.length; i += 4) {
    seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
  }
  done(seen.size);
};
image.onerror = () => done(-1);
image.src = "data:image/png;base64," + data;
"""


_VIEWPORT_BOX = """
const r = arguments[0].getBoundingClientRect();
const x = Math.max(0, r.left), y = Math.max(0, r.top);
return [x, y, Math.min(innerWidth, r.right) - x, Math.min(innerHeight, r.bottom) - y];
"""


def chrome(download_dir: Path) -> webdriver.Chrome:
    """A headless Chromium that reaches nothing but the servers the tests start."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.fail("Chromium and its driver are missing: run `make browser` (apt packages)")
    options = Options()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root in CI
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1200,860",
        "--force-device-scale-factor=1",
        "--force-color-profile=srgb",
        "--lang=en-US",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        f"--user-data-dir={download_dir}",
    ):
        options.add_argument(argument)
    found = webdriver.Chrome(service=Service(driver), options=options)
    found.set_script_timeout(WAIT_S)
    return found


def wait_for(check: Callable[[], T | None], what: str, timeout: float = WAIT_S) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # a node replaced while streaming: look again
            last = exc
        if last:
            return last  # type: ignore[no-any-return]
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what} (last saw {last!r})")


class Page:
    """The browser on one server, with the helpers the tests share."""

    def __init__(self, driver: webdriver.Chrome, url: str, shots: Path) -> None:
        self.driver = driver
        self.url = url
        self.shots = shots

    def open(self, path: str = "/") -> None:
        self.driver.get(self.url + path)
        wait_for(lambda: self.driver.execute_script("return document.body.dataset.ready"), "page")

    def find(self, selector: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def wait(self, selector: str, text: str = "", timeout: float = WAIT_S) -> WebElement:
        """The first element matching ``selector`` whose text contains ``text``."""

        def seen() -> WebElement | None:
            return next((e for e in self.all(selector) if text in e.text), None)

        return wait_for(seen, f"{selector} containing {text!r}", timeout)

    def pick_agent(self, name: str) -> None:
        from selenium.webdriver.support.select import Select

        Select(self.find("#agent")).select_by_value(name)

    def ask(self, text: str) -> None:
        box = self.find("#prompt")
        box.send_keys(text)
        self.find("#send").click()

    def last_turn(self) -> WebElement:
        return self.all(".turn.assistant")[-1]

    def finished(self) -> WebElement:
        """The last assistant turn once its run has ended."""
        return wait_for(
            lambda: self.all(".turn.assistant[aria-busy='false']") and self.last_turn(),
            "the run to finish",
        )

    def globals_set(self) -> list[str]:
        """Names of globals that an injected script would have set."""
        return list(
            self.driver.execute_script(
                "return Object.keys(window).filter(k => k.startsWith('__pwned'))"
            )
        )

    def shoot(self, name: str, element: WebElement | None = None) -> Path:
        """Save a screenshot; fail unless it (or ``element``'s region) has real content."""
        path = self.shots / f"{name}.png"
        if element is not None:
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'})", element)
        data = self.driver.get_screenshot_as_base64()
        path.write_bytes(base64.b64decode(data))
        box = None
        if element is not None:
            box = [int(value) for value in self.driver.execute_script(_VIEWPORT_BOX, element)]
        stored = base64.b64encode(path.read_bytes()).decode()
        colours = self.driver.execute_async_script(_COUNT_COLOURS, stored, box)
        assert colours >= MIN_COLOURS, f"screenshot {path} is blank ({colours} colours in {box})"
        return path
