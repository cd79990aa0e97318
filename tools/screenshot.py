"""Screenshot a running VoltVault page as a person sees it (headless Chromium via Selenium).

    python tools/screenshot.py http://localhost:8501/ out.png [--login USER PASSWORD] [--wait 6]

Needs Debian's chromium and chromium-driver and `pip install selenium` (the `dev` extra).
"""

from __future__ import annotations

import argparse
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("output")
    parser.add_argument("--login", nargs=2, metavar=("USER", "PASSWORD"))
    parser.add_argument("--wait", type=float, default=6.0)
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args()
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={args.width},{args.height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(args.url)
        time.sleep(args.wait)
        if args.login:
            inputs = driver.find_elements(By.CSS_SELECTOR, "input")
            inputs[0].send_keys(args.login[0])
            inputs[1].send_keys(args.login[1])
            driver.find_element(By.XPATH, "//button[.//p[text()='Login']]").click()
            time.sleep(args.wait)
        driver.save_screenshot(args.output)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
