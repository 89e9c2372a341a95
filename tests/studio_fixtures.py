"""The studio in Chromium, shared by the browser test files: each imports these fixtures and defines
its own `project`; the studio and the browser start once per module."""

from __future__ import annotations

import pytest
from test_studio import CHROMIUM, CHROMIUM_ARGS, Running

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def studio(project):
    running = Running(project)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, studio):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(studio.address)
    yield page
    context.close()
