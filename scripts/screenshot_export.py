"""Open an HTML export in headless Chromium and save a PNG of it (for the README, and to look at).

    .venv/bin/python scripts/screenshot_export.py data/exports/360900_宜春市_2020-2022.html docs/img/export.png

Chromium is not a dependency of the project: install it on the machine that takes the picture
(Debian: `apt-get install chromium fonts-wqy-microhei`; a CJK font is needed for the Chinese
labels). Chromium runs with networking switched off (a proxy that leads nowhere), so the picture
also shows that the page draws without the network.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def screenshot(page: Path, png: Path, width: int = 1400, height: int = 1800, browser: str | None = None) -> Path:
    browser = browser or find_browser()
    if browser is None:
        raise SystemExit("no Chromium found: apt-get install chromium (or pass --browser)")
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ogi-chromium-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               f"--window-size={width},{height}", "--virtual-time-budget=15000",
               f"--screenshot={png.resolve()}", page.resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    if done.returncode != 0 or not png.is_file():
        raise SystemExit(f"chromium failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return png


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", type=Path)
    ap.add_argument("png", type=Path)
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1800)
    ap.add_argument("--browser", help="the Chromium binary (default: found on PATH)")
    args = ap.parse_args(argv)
    print(screenshot(args.html, args.png, args.width, args.height, args.browser))
    return 0


if __name__ == "__main__":
    sys.exit(main())
