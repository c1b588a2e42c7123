from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backoffice.demo import loader


class Command(BaseCommand):
    help = (
        "Build every configured source database from fixtures/schema and fill the empty ones with demo data "
        "(through the privileged seeding connection, never the read-only aliases)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = ~4,000 Wrapped runs; 250 = ~1M")
        parser.add_argument("--rebuild", action="store_true", help="drop and recreate the source databases first")
        loader.add_confirm_argument(parser)

    def handle(self, scale, rebuild, i_mean_it, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive")
        loader.refuse_unnamed_targets(settings.CONFIGURED_SOURCES, i_mean_it)
        self.stdout.write("Source databases:")
        loader.build_sources(drop=rebuild, stdout=self.stdout)
        self.stdout.write(f"Demo data (scale {scale:g}):")
        results = loader.load_demo_data(scale=scale, stdout=self.stdout)
        loaded = sum(1 for r in results.values() if r["status"] == "loaded")
        self.stdout.write(self.style.SUCCESS(f"Done: {loaded} source(s) loaded, {len(results) - loaded} unchanged."))
