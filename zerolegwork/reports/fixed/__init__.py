"""The overview, the fixed statistics tables and the charts, under the `reports` blueprint (views.py).

tables.py reads the five fixed tables, render.py writes them as CSV, Excel and PDF, overview.py
totals the visible projects by region, category, department, level and status, and charts.py gives
the ECharts data of a group of projects and of one project's progress.
"""
