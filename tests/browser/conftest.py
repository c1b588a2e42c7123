"""Browser journeys: Playwright drives Debian's chromium against pytest-django's live server.

    def test_x(open_as, live_server):
        page = open_as("operator", via_form=True)   # logs in through the real login form
        page.goto("/admin/wrapped/wrappedrun/")     # relative to the live server

Every test under tests/browser is marked `browser` and runs in `make test`, after all other tests
(Playwright's event loop stays up until the session ends). Without chromium they fail and say how
to install it; BACKOFFICE_SKIP_BROWSER=1 skips them on a developer machine (CI never sets it).
On a failure each page the test opened is saved to .local/browser-failures/<test>.png.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent
FAILURE_DIR = BROWSER_DIR.parents[1] / ".local" / "browser-failures"
SKIP_VARIABLE = "BACKOFFICE_SKIP_BROWSER"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # root has no user namespace sandbox here
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home, and the machine has no network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "browser-journey-pass-7f3c"
DEFAULT_TIMEOUT_MS = 10_000


def pytest_configure(config):
    config.addinivalue_line("markers", f"browser: drives chromium through Playwright; {SKIP_VARIABLE}=1 skips")
    # pytest-playwright 0.10 declares its base_url fixture on a class.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning"
    )


def _is_browser_test(item) -> bool:
    return BROWSER_DIR in Path(str(item.path)).parents


def pytest_collection_modifyitems(config, items):
    browser = [item for item in items if _is_browser_test(item)]
    if not browser:
        return
    skip = os.environ.get(SKIP_VARIABLE, "").strip() not in ("", "0")
    for item in browser:
        item.add_marker(pytest.mark.browser)
        if skip:
            item.add_marker(pytest.mark.skip(reason=f"{SKIP_VARIABLE} is set"))
    # Last: once Playwright runs, its event loop is "running" in the main thread for the session.
    items[:] = [item for item in items if not _is_browser_test(item)] + browser


# -- the browser ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Browser tests need Debian's chromium, which is not installed: `apt-get install -y chromium` "
            f"(.ci/run does it), or set {SKIP_VARIABLE}=1 to skip them on this machine.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def playwright(playwright):
    """pytest-playwright's, with Django's async guard relaxed while it runs.

    The sync API keeps an asyncio loop registered as running in the main thread, so Django would
    refuse every ORM call the tests make (users, sessions, audit rows) as "from an async context".
    """
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield playwright
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url, "viewport": {"width": 1400, "height": 900}}


# -- pages per role -------------------------------------------------------------------------------
BENIGN_MISSING = ("/favicon.ico",)  # the admin has no favicon; Chromium asks for one anyway


@dataclass
class Browsing:
    """The pages a test opened, what their consoles said and which responses failed."""

    pages: list = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        self.pages.append(page)
        page.set_default_timeout(DEFAULT_TIMEOUT_MS)

        def on_console(message):
            # "Failed to load resource" repeats a failed response without its URL: see on_response.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.console_errors.append(f"{page.url}: {message.text}")

        def on_response(response):
            if response.status >= 400 and not response.url.split("?")[0].endswith(BENIGN_MISSING):
                self.failed_responses.append(f"{response.status} {response.request.method} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: uncaught {error}"))
        page.on("response", on_response)
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request) -> None:
        # A request the browser itself abandoned because the page moved on (a poll or an image in
        # flight during navigation) is not a failure of the back office.
        if request.failure != "net::ERR_ABORTED":
            self.failed_responses.append(f"failed {request.method} {request.url}: {request.failure}")

    def csp_errors(self) -> list[str]:
        return [e for e in self.console_errors if "Content Security Policy" in e or "Content-Security-Policy" in e]

    def assert_clean(self, *, expected_failures: tuple[str, ...] = ()) -> None:
        """No console errors (CSP violations reported first), no failed response but those expected."""
        csp = self.csp_errors()
        assert not csp, "Content Security Policy violations:\n" + "\n".join(csp)
        assert not self.console_errors, "console errors:\n" + "\n".join(self.console_errors)
        unexpected = [r for r in self.failed_responses if not any(e in r for e in expected_failures)]
        assert not unexpected, "failed responses:\n" + "\n".join(unexpected)


@pytest.fixture
def browsing(request):
    state = Browsing()
    request.node.browsing = state  # for the screenshot on failure
    return state


@pytest.fixture
def staff_user(transactional_db):
    """staff_user("viewer") -> a committed staff user with that role (the live server sees it)."""
    from backoffice.management.commands.create_staff import create_staff_user

    def make(role: str):
        return create_staff_user(f"{role}-browser", role, PASSWORD, f"{role}-browser@backoffice.test")

    return make


def log_in_through_form(page, username: str, password: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


@pytest.fixture
def open_as(new_context, staff_user, browsing, live_server):
    """open_as(role, via_form=False) -> a Page in its own browser context, logged in with that role.

    via_form=True types the password into the login form; otherwise the session cookie of a
    Django test client login is handed to the browser.
    """
    from django.conf import settings
    from django.test import Client

    def make(role: str, *, via_form: bool = False):
        user = staff_user(role)
        context = new_context()
        if not via_form:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        browsing.watch(page)
        if via_form:
            log_in_through_form(page, user.get_username(), PASSWORD)
        return page

    return make


# -- a screenshot of every open page when a test fails --------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when in ("setup", "call") and _is_browser_test(item):
        state = getattr(item, "browsing", None)
        pages = list(state.pages) if state else []
        if not pages and "page" in getattr(item, "funcargs", {}):
            pages = [item.funcargs["page"]]
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", item.name)
        for n, page in enumerate(pages, start=1):
            path = FAILURE_DIR / (f"{name}.png" if n == 1 else f"{name}-{n}.png")
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as exc:  # a closed page must not hide the test's own failure
                report.sections.append(("browser screenshot", f"{path}: not saved ({exc})"))
            else:
                report.sections.append(("browser screenshot", str(path)))
    return report
