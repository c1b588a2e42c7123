"""A bounded load test: gunicorn on loopback, N concurrent staff, one other source database down.

Each client is a thread with one keep-alive HTTP connection and a logged-in session, requesting a
weighted mix of pages (list, search, detail and its sections, queue, dashboard poll, another
source's list, the down source's list) back to back for a fixed time. Reported per concurrency
level: throughput, p50/p95/p99, errors (an answer other than 200, except the down source's own
pages, which must answer 503 quickly), and each gunicorn worker's RSS before, at peak and after.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from django.urls import clear_url_caches

from benchmarks import catalogue, runner
from benchmarks.harness import percentile

WORKERS = 4


@dataclass
class Sample:
    name: str
    status: int
    ms: float


@dataclass
class Level:
    clients: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    rss_before: dict[int, int] = field(default_factory=dict)
    rss_peak: dict[int, int] = field(default_factory=dict)
    rss_after: dict[int, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds spent during the level, by who
    busy: float = 0.0  # share of all cores busy during the level


def mix(samples: dict, down: str) -> list[tuple[str, str, int, int]]:
    """[(name, url, weight, expected status)] from the catalogue's sample identifiers."""
    from django.contrib import admin
    from django.urls import reverse

    from backoffice.dashboard import all_panels
    from monitoring.wrapped.models import WrappedRun

    runs = reverse("admin:wrapped_wrappedrun_changelist")
    pages = [
        ("list: runs", runs, 3, 200),
        ("search: run id", f"{runs}?q={samples['run_id']}", 2, 200),
        ("search: email", f"{runs}?q={samples['email_mixed']}", 1, 200),
        ("detail: run", reverse("admin:wrapped_wrappedrun_change", args=[samples["run_id"]]), 2, 200),
        # each section the detail loads after itself, as often as the detail (a browser asks for them)
        *(
            (
                f"section: run {name}",
                reverse("admin:wrapped_wrappedrun_section", args=[samples["run_id"], name]),
                2,
                200,
            )
            for name in admin.site.get_model_admin(WrappedRun).deferred_sections()
        ),
        ("queue", reverse("admin:wrapped_appjob_changelist"), 2, 200),
        ("dashboard", reverse("admin:index"), 1, 200),
    ]
    for panel in all_panels():
        if panel.source in ("wrapped", down):
            url = reverse("admin:dashboard_panel", args=[panel.source, panel.name])
            pages.append((f"poll: {panel.key}", url, 1, 200))
    others = [a for a in runner.bench_sources() if a not in ("wrapped", down)]
    for alias, expected in ((others[0] if others else None, 200), (down, 503)):
        if alias:
            model = next(m for m, _ in catalogue.source_admins() if m._meta.app_label == alias)
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            pages.append(
                (f"list: {alias}.{opts.model_name}" + (" (down)" if expected == 503 else ""), url, 1, expected)
            )
    return pages


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, children: bool = False) -> float:
    """utime + stime of a process (and of its reaped children), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / TICK


def _postgres_cpu() -> float | None:
    """The embedded server's CPU: its postmaster (with the backends it reaped) and its live
    processes. None when the sources are servers elsewhere."""
    from backoffice.embedded import PGDATA

    if not settings.EMBEDDED:
        return None
    try:
        postmaster = int((PGDATA / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return _cpu_seconds(postmaster, children=True) + sum(_cpu_seconds(pid) for pid in _children(postmaster))


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _cpu_snapshot(process: subprocess.Popen) -> dict[str, float | None]:
    times = os.times()
    return {
        "Django (gunicorn)": _cpu_seconds(process.pid, children=True)
        + sum(_cpu_seconds(pid) for pid in _children(process.pid)),
        "PostgreSQL": _postgres_cpu(),
        "load clients": times.user + times.system,
    }


def _session_cookie() -> str:
    client = Client()
    client.force_login(runner.bench_user())
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _start_gunicorn(port: int, down: str) -> subprocess.Popen:
    names = {alias: connections[alias].settings_dict["NAME"] for alias in runner.bench_sources()}
    env = {**os.environ, "BENCH_DB_NAMES": json.dumps(names), "BENCH_DOWN": down}
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    log_file = tempfile.TemporaryFile()  # noqa: SIM115 - gunicorn's for its lifetime; _stop closes it
    process = subprocess.Popen(
        [
            gunicorn,
            "benchmarks.wsgi_bench:application",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR if hasattr(settings, "BASE_DIR") else None,
        env=env,
        # gunicorn's logs (access log, warnings such as the down source's) go to a file: a pipe
        # nobody reads fills up after some 64 KB and then blocks every worker on its next line
        stdout=subprocess.DEVNULL,
        stderr=log_file,
        start_new_session=True,
    )
    process.log_file = log_file
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if len(_children(process.pid)) >= WORKERS:
                    return process
        except OSError:
            pass
        if process.poll() is not None:
            log_file.seek(0)
            raise RuntimeError(f"gunicorn exited: {log_file.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.2)
    _stop(process)
    raise RuntimeError("gunicorn did not start within 30 s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    process.log_file.close()


def _client(port, cookie, pages, deadline, level: Level, seed: int, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    names = [p for p in pages]
    weights = [p[2] for p in pages]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Host": "127.0.0.1"}
    local: list[Sample] = []
    while time.monotonic() < deadline:
        name, url, _weight, _expected = rng.choices(names, weights)[0]
        started = time.perf_counter()
        try:
            # a dashboard panel answers htmx's requests only; a detail's section is one of them
            htmx = name.startswith(("poll: ", "section: "))
            conn.request("GET", url, headers={**headers, "HX-Request": "true"} if htmx else headers)
            response = conn.getresponse()
            response.read()
            local.append(Sample(name, response.status, (time.perf_counter() - started) * 1000))
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            with lock:
                level.exceptions.append(f"{name}: {type(exc).__name__}: {exc}")
    conn.close()
    with lock:
        level.samples.extend(local)


def run_level(port, process, cookie, pages, clients: int, seconds: float) -> Level:
    level = Level(clients, seconds)
    workers = _children(process.pid)
    level.rss_before = {pid: _rss_kib(pid) for pid in workers}
    level.rss_peak = dict(level.rss_before)
    lock = threading.Lock()
    cpu_before, machine_before = _cpu_snapshot(process), _machine_busy()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(port, cookie, pages, deadline, level, i, lock), daemon=True)
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        for pid in _children(process.pid):
            level.rss_peak[pid] = max(level.rss_peak.get(pid, 0), _rss_kib(pid))
        time.sleep(0.25)
    level.rss_after = {pid: _rss_kib(pid) for pid in _children(process.pid)}
    cpu_after, machine_after = _cpu_snapshot(process), _machine_busy()
    level.cpu = {who: cpu_after[who] - cpu_before[who] for who in cpu_after if cpu_after[who] is not None}
    busy, total = (after - before for after, before in zip(machine_after, machine_before, strict=True))
    level.busy = busy / total if total else 0.0
    return level


def _stats(samples: list[Sample]) -> str:
    ms = [s.ms for s in samples]
    return f"{len(ms)} | {percentile(ms, 0.5):.0f} | {percentile(ms, 0.95):.0f} | {percentile(ms, 0.99):.0f}"


def run(runs: int, seconds: float, levels: list[int], down: str, log) -> str:
    """Load-test gunicorn on the bench databases currently pointed at; returns the markdown report."""
    with override_settings(ROOT_URLCONF="backoffice.urls"):
        clear_url_caches()
        from benchmarks import catalogue

        samples = catalogue.declared_samples(runner.seeding.connect)
        pages = mix(samples, down)
    clear_url_caches()
    cookie = _session_cookie()
    port = _free_port()
    process = _start_gunicorn(port, down)
    results = []
    try:
        for clients in levels:
            # a short warm-up per level: every worker has loaded templates and opened connections
            run_level(port, process, cookie, pages, clients, min(3.0, seconds))
            log(f"  load: {clients} clients for {seconds:.0f} s …")
            level = run_level(port, process, cookie, pages, clients, seconds)
            results.append(level)
            p95 = percentile([s.ms for s in level.samples], 0.95)
            log(f"    {len(level.samples) / seconds:.1f} req/s, p95 {p95:.0f} ms")
    finally:
        _stop(process)
    return render(runs, seconds, down, pages, results)


def render(runs, seconds, down, pages, levels: list[Level]) -> str:
    expected = {name: status for name, _url, _w, status in pages}
    lines = [
        f"# Load test, {date.today().isoformat()}",
        "",
        f"- Machine: {runner.machine_line()}; the load clients run on the same cores as the server.",
        f"- gunicorn, {WORKERS} sync workers, loopback; data: {runs:,} rows in each source's largest table"
        f" (the bench databases); **{down} unreachable** (connections refused).",
        f"- Each level: {seconds:.0f} s of back-to-back requests per client after a 3 s warm-up. Mix (weight):"
        f" {', '.join(f'{name} ({w})' for name, _u, w, _s in pages)}.",
        "- Error = an answer other than 200 (other than 503 for the down source's own page), or no answer.",
        "",
        "| clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors | down-source 503s | worker RSS MiB"
        " before → peak → after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for level in levels:
        ms = [s.ms for s in level.samples]
        errors = [s for s in level.samples if s.status != expected.get(s.name, 200)]
        down_ok = sum(1 for s in level.samples if expected.get(s.name) == 503 and s.status == 503)
        rss = " / ".join(
            f"{level.rss_before.get(pid, 0) / 1024:.0f} → {level.rss_peak.get(pid, 0) / 1024:.0f}"
            f" → {level.rss_after.get(pid, 0) / 1024:.0f}"
            for pid in sorted(level.rss_peak)
        )
        lines.append(
            f"| {level.clients} | {len(ms)} | {len(ms) / level.seconds:.1f} | {percentile(ms, 0.5):.0f}"
            f" | {percentile(ms, 0.95):.0f} | {percentile(ms, 0.99):.0f} | {len(errors) + len(level.exceptions)}"
            f" | {down_ok} | {rss} |"
        )
    lines += [
        "",
        "Where the time goes: CPU per request (ms), by process, and how busy all cores were. The"
        " load clients share the server's cores, so their CPU is time the server did not get.",
        "",
        "| clients | " + " | ".join(levels[0].cpu) + " | cores busy |" if levels else "",
        "|---|" + "---|" * (len(levels[0].cpu) + 1) if levels else "",
    ]
    for level in levels:
        requests = max(1, len(level.samples))
        shares = " | ".join(f"{seconds * 1000 / requests:.1f}" for seconds in level.cpu.values())
        lines.append(f"| {level.clients} | {shares} | {level.busy:.0%} |")
    for level in levels:
        lines += [
            "",
            f"## {level.clients} clients, per page",
            "",
            "| page | requests | p50 ms | p95 ms | p99 ms | statuses |",
            "|---|---|---|---|---|---|",
        ]
        for name, _url, _w, _s in pages:
            of_page = [s for s in level.samples if s.name == name]
            statuses: dict[int, int] = {}
            for s in of_page:
                statuses[s.status] = statuses.get(s.status, 0) + 1
            text = ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items()))
            lines.append(f"| {name} | {_stats(of_page)} | {text} |")
        if level.exceptions:
            lines += ["", "Exceptions: " + "; ".join(sorted(set(level.exceptions))[:10])]
    return "\n".join(lines) + "\n"
