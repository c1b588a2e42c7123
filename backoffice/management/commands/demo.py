import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from backoffice.access.roles import ROLES
from backoffice.demo import loader
from backoffice.management.commands.create_staff import create_staff_user


def demo_password(role: str) -> str:
    return f"demo-{role}-pass"


class Command(BaseCommand):
    help = "Everything for a local demo: own DB, source DBs with data, one login per role, fake services, server."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="demo data size (1.0 = ~4,000 Wrapped runs)")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare everything, then exit")
        loader.add_confirm_argument(parser)

    def handle(self, scale, port, no_serve, i_mean_it, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive")
        # The own database gets demo logins with published passwords: it must be named too.
        loader.refuse_unnamed_targets(["default", *settings.CONFIGURED_SOURCES], i_mean_it)
        if not settings.EMBEDDED:
            self.stdout.write(
                self.style.WARNING(f"Database URLs are set: writing demo data into {', '.join(i_mean_it)}.")
            )
        self.stdout.write("Own database: migrating ...")
        call_command("migrate", verbosity=0, interactive=False)
        self.stdout.write("Source databases:")
        loader.build_sources(stdout=self.stdout)
        self.stdout.write(f"Demo data (scale {scale:g}):")
        loader.load_demo_data(scale=scale, stdout=self.stdout)
        for role in ROLES:
            create_staff_user(role, role, demo_password(role), f"{role}@demo.invalid")

        services = [] if no_serve else self._start_fake_services()
        self._banner(port, services, no_serve)
        if no_serve:
            return
        worker = self._start_worker()
        try:
            # insecure_serving: the admin's CSS/JS are served even with DEBUG off (demo only).
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            for service in services:
                stop = getattr(service, "stop", None)
                if stop:
                    stop()

    def _start_worker(self):
        """The background worker for bulk runs (production runs the same command as its own service)."""
        try:
            worker = subprocess.Popen(
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "db_worker", "--interval", "0.5"]
            )
        except OSError as exc:
            self.stdout.write(self.style.WARNING(f"Background worker not started ({exc}): bulk runs stay queued."))
            return None
        self.stdout.write(f"  Background worker for bulk runs: manage.py db_worker (pid {worker.pid})")
        return worker

    def _start_fake_services(self) -> list:
        try:
            from backoffice.demo.fake_server import start_fake_services
        except ImportError as exc:
            self.stdout.write(self.style.WARNING(f"Fake services not available yet ({exc}); actions will fail."))
            return []
        try:
            return list(start_fake_services())
        except OSError as exc:  # a port is taken, e.g. a second demo
            self.stdout.write(self.style.WARNING(f"Fake services not started: {exc}"))
            return []

    def _banner(self, port: int, services: list, no_serve: bool) -> None:
        line = "=" * 64
        self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"  Backoffice demo: http://127.0.0.1:{port}/admin/"))
        self.stdout.write("  Logins (username / password):")
        for role in ROLES:
            self.stdout.write(f"    {role:<9} / {demo_password(role)}")
        if services:
            for service in services:
                url = getattr(service, "base_url", None) or getattr(service, "url", "")
                self.stdout.write(f"  Fake {getattr(service, 'alias', 'service')} API: {url}")
        elif no_serve:
            self.stdout.write("  --no-serve: nothing started; run `manage.py demo` to serve.")
        self.stdout.write(line)
