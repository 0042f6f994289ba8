"""A summary report drawn: charts as PNG (matplotlib's Agg backend, no display), the HTML mail that shows them
inline (`cid:`), and the PDF (ReportLab) attached to it. Everything a sender wrote (senders, domains,
recipients) is escaped in the HTML and in ReportLab's paragraph markup."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any

from mailgate.reports.gather import ReportData

TITLE = "Mail gateway summary report"
_POLICY = policy.SMTP
_MODULES_SHOWN = ("antispam", "antivirus", "antiphishing", "content_filter")


@dataclass(frozen=True)
class Chart:
    cid: str  # the Content-ID without brackets
    name: str  # file name
    title: str
    png: bytes


def title(data: ReportData) -> str:
    return f"{TITLE}: {data.window.period} {data.window.label} ({data.window.time_zone})"


def _labels(data: ReportData) -> list[str]:
    fmt = "%H" if data.step == "hour" else "%m-%d"
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    zone = ZoneInfo(data.window.time_zone)
    return [b.start.astimezone(zone).strftime(fmt) for b in data.buckets]


def detections(data: ReportData) -> list[tuple[str, int]]:
    """(module: verdict, count) of the period's verdicts that are not clean, most first."""
    found = [(f"{m}: {v}", n) for m, vs in data.totals.verdicts.items() for v, n in vs.items()
             if n and v not in {"clean", "pass", "none", "ham", "skipped", "not_applicable"}]
    return sorted(found, key=lambda kv: (-kv[1], kv[0]))


def charts(data: ReportData) -> list[Chart]:
    import matplotlib  # noqa: PLC0415 - loaded for a report only

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    drawn: list[Chart] = []
    labels = _labels(data)
    figure, axes = pyplot.subplots(figsize=(8, 3.2), dpi=100)
    try:
        for counter in ("received", "delivered", "held", "rejected"):
            axes.plot(range(len(labels)), [b.traffic.get(counter, 0) for b in data.buckets], label=counter)
        step = max(1, len(labels) // 12)
        axes.set_xticks(range(0, len(labels), step), labels[::step])
        axes.set_title("Traffic per " + data.step)
        axes.legend(loc="upper right", fontsize="small")
        drawn.append(Chart("traffic@mailgate.report", "traffic.png", "Traffic", _png(figure)))
    finally:
        pyplot.close(figure)
    found = detections(data)[:10]
    figure, axes = pyplot.subplots(figsize=(8, 3.2), dpi=100)
    try:
        axes.barh([name for name, _ in reversed(found)] or ["none"], [n for _, n in reversed(found)] or [0])
        axes.set_title("Detections")
        figure.tight_layout()
        drawn.append(Chart("detections@mailgate.report", "detections.png", "Detections", _png(figure)))
    finally:
        pyplot.close(figure)
    return drawn


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _rows(data: ReportData) -> list[tuple[str, list[tuple[str, str]]]]:
    """The report's tables as (heading, [(name, value)]): plain text, escaped by each renderer."""
    t = data.totals.traffic
    return [("Traffic", [(k, str(t.get(k, 0))) for k in
                           ("received", "delivered", "held", "rejected", "deleted", "delivery_failed")]),
              ("Detections", [(k, str(n)) for k, n in detections(data)] or [("none", "0")]),
              ("Top held senders", [(k, str(n)) for k, n in data.top_senders]),
              ("Top held sender domains", [(k, str(n)) for k, n in data.top_domains]),
              ("Top targeted recipients", [(k, str(n)) for k, n in data.top_recipients]),
              ("Backup", [*[(f"kept in the period: {k}", str(n)) for k, n in sorted(data.backup_counts.items())],
                          ("released (of the entries read)", str(data.released)),
                          ("Backup entries read for the top lists", f"{data.sample_read}"
                           + ("" if data.sample_complete else " (the newest; not all)")),
                          ("all Backup entries now", str(data.backup_entries)),
                          ("Backup size now (MB)", f"{data.backup_bytes / 2**20:.1f}")]),
              ("Directory sync", [(d.name, d.state + (f", stale since {d.stale_since}" if d.stale_since else "")
                                   + (f", last success {d.last_success}" if d.last_success else ""))
                                  for d in data.directories] or [("no directory connections", "")])]


def html(data: ReportData, shown: list[Chart]) -> str:
    parts = [f"<html><body><h1>{escape(title(data))}</h1>",
             f"<p>From {escape(data.window.start.isoformat())} to {escape(data.window.end.isoformat())} (UTC).</p>"]
    parts += [f"<p><strong>{escape(w)}</strong></p>" for w in data.warnings]
    parts += [f'<h2>{escape(c.title)}</h2><img src="cid:{escape(c.cid)}" alt="{escape(c.title)}">' for c in shown]
    for heading, rows in _rows(data):
        cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
        parts.append(f"<h2>{escape(heading)}</h2><table>{cells}</table>")
    parts.append("<p>The PDF attached holds the same report.</p></body></html>")
    return "".join(parts)


def text(data: ReportData) -> str:
    lines = [title(data), ""]
    for heading, rows in _rows(data):
        lines += [heading, *[f"  {k}: {v}" for k, v in rows], ""]
    return "\n".join(lines)


def pdf(data: ReportData, shown: list[Chart]) -> bytes:
    from reportlab.lib.pagesizes import A4  # noqa: PLC0415 - loaded for a report only
    from reportlab.lib.styles import getSampleStyleSheet  # noqa: PLC0415
    from reportlab.lib.units import cm  # noqa: PLC0415
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table  # noqa: PLC0415

    styles = getSampleStyleSheet()
    out = io.BytesIO()
    story: list[Any] = [Paragraph(escape(title(data)), styles["Title"]),
                        Paragraph(escape(f"Period: {data.window.label} ({data.window.time_zone})"), styles["Normal"])]
    story += [Paragraph(escape(w), styles["Normal"]) for w in data.warnings]
    for chart in shown:
        story += [Spacer(1, 0.3 * cm), Image(io.BytesIO(chart.png), width=16 * cm, height=6.4 * cm)]
    for heading, rows in _rows(data):
        story.append(Paragraph(escape(heading), styles["Heading2"]))
        if rows:
            story.append(Table([[Paragraph(escape(k), styles["Normal"]), Paragraph(escape(v), styles["Normal"])]
                                for k, v in rows], colWidths=[11 * cm, 5 * cm]))
    document = SimpleDocTemplate(out, pagesize=A4, title=title(data), author="mailgate")
    document.build(story)
    return out.getvalue()


def file_name(data: ReportData) -> str:
    return f"mailgate-report-{data.window.period}-{data.window.first_day.isoformat()}.pdf"


def compose(data: ReportData, sender: str, recipients: tuple[str, ...], authserv_id: str,
            shown: list[Chart], document: bytes, now: datetime) -> EmailMessage:
    """The report mail: text and HTML alternatives, the charts inline (related, by Content-ID), the PDF."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = f"Mail Gateway <{sender}>"
    message["To"] = ", ".join(recipients)
    message["Subject"] = title(data)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("report", domain=authserv_id)
    message.set_content(text(data))
    message.add_alternative(html(data, shown), subtype="html")
    body = message.get_body(("html",))
    assert isinstance(body, EmailMessage)  # add_alternative made it, under the EmailMessage's policy
    for chart in shown:
        body.add_related(chart.png, "image", "png", cid=f"<{chart.cid}>", filename=chart.name,
                         disposition="inline")
    message.add_attachment(document, "application", "pdf", filename=file_name(data))
    return message
