"""Print (and optionally e-mail) the parts below their minimum stock (cron: daily)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import CommandError

from config.progress import ProgressCommand
from maintenance import selectors


def render_table(parts) -> str:
    header = ("SKU", "name", "category", "stock", "minimum", "short")
    rows = [
        (
            p.sku,
            p.name,
            p.category.name if p.category else "-",
            str(p.stock),
            str(p.min_stock),
            str(p.min_stock - p.stock),
        )
        for p in parts
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(ProgressCommand):
    help = "List spare parts whose stock is below their minimum; --email sends the table by mail."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--email", action="store_true", help="Send the report through Django's mail backend."
        )
        parser.add_argument(
            "--to",
            action="append",
            default=None,
            help="Recipient (repeatable); default: the LOW_STOCK_REPORT_RECIPIENTS setting.",
        )

    def handle(self, *args, email: bool, to: list[str] | None, **options) -> None:
        recipients = to or list(settings.LOW_STOCK_REPORT_RECIPIENTS)
        if email and not recipients:
            raise CommandError("No recipients: pass --to or set LOW_STOCK_REPORT_RECIPIENTS.")
        with self.progress("low_stock_report") as progress:
            parts = list(selectors.sparepart_low_stock())
            if not parts:
                progress.finish("No spare parts below their minimum stock.")
                return
            table = render_table(parts)
            progress.note(table)
            summary = f"{len(parts)} spare part(s) below their minimum stock"
            if email:
                send_mail(
                    subject=f"Low stock: {len(parts)} spare part(s) below their minimum",
                    message=table + "\n",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=recipients,
                )
                summary += f"; sent to {', '.join(recipients)}"
            progress.finish(summary + ".")
