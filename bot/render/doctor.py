"""`catalog doctor`'s report as plain text for the terminal."""

from __future__ import annotations

from bot.curation.doctor import DoctorReport

SHOWN = 25  # findings listed per kind; the rest are counted


def render_doctor(report: DoctorReport, shown: int = SHOWN) -> str:
    total = sum(len(items) for _, items in report.sections())
    lines = [f"Catalog doctor: {report.models:,} model records, {total:,} finding(s)."]
    for title, items in report.sections():
        lines.append("")
        lines.append(f"== {title}: {len(items):,} ==")
        if not items:
            lines.append("  none")
        for item in items[:shown]:
            lines.append(f"  - {item.subject}: {item.detail}")
        if len(items) > shown:
            lines.append(f"  ... and {len(items) - shown:,} more")
    return "\n".join(lines)
