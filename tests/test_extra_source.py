"""Adding a sixth source (README, "Adding a source") works: proved in a pytest process of its own.

That process uses tests.extra_source.settings (the registry with one more entry, whose app is
tests/extra_source/) and its own test databases (TEST_DB_SUFFIX), so this session's are untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings


def test_a_sixth_source_gets_admin_list_health_and_dashboard():
    env = {
        **os.environ,
        "TEST_DB_SUFFIX": f"{settings.TEST_DB_SUFFIX}_extra",
        "DJANGO_SETTINGS_MODULE": "tests.extra_source.settings",
        "BACKOFFICE_SKIP_BROWSER": "1",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "--ds=tests.extra_source.settings",
            "tests/extra_source/check_extra_source.py",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
