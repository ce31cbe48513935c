"""Periodic reports (monthly, quarterly, yearly) in the admin, as files, and
on the command line.

    registry.py     the reports by name; `@report(...)` adds one
    production.py   works published, time to publish, page views
    royalties.py    royalties, remuneration and tax withheld
    charts.py       bar charts as server-drawn SVG
    export.py       CSV, XLSX and PDF
    pages.py        /admin/reports
"""
