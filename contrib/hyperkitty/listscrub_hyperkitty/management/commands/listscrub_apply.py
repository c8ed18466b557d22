"""listscrub_apply PLAN [--report FILE] [--check-only]: delete or redact
the emails a listscrub plan names, through HyperKitty, in one transaction."""
import json

from django.core.management.base import BaseCommand, CommandError

from listscrub_hyperkitty.apply import Run, read_plan
from listscrub_hyperkitty.output import write_report


class Command(BaseCommand):
    help = "Carry out a listscrub plan on HyperKitty's archive."

    def add_arguments(self, parser):
        parser.add_argument("plan")
        parser.add_argument("--report", metavar="FILE")
        parser.add_argument("--check-only", action="store_true",
                            help="check the digests only; change nothing")

    def handle(self, plan, report, check_only, **options):
        try:
            with open(plan, "rb") as f:
                actions = read_plan(json.loads(f.read().decode("utf-8")))
        except (OSError, ValueError) as e:
            # PlanError is a ValueError; so are JSON and UTF-8 errors.
            raise CommandError("%s: %s" % (plan, e), returncode=2)
        run = Run(actions, check_only=check_only)
        # A report that says "done" exists as soon as the commit is made:
        # the clean-up after it (an index rebuild) can take long.
        run.run(committed=(lambda r: write_report(r, report))
                if report else None)
        write_report(run.report(), report)
        if run.result["status"] not in ("done", "checked"):
            raise CommandError(run.result["error"], returncode=1)
