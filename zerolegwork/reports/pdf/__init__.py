"""The project report (一个报告全部内容): one PDF per project, in Chinese, made with reportlab.

The report is a Chinese document whatever the reader's interface language (like the fixed statistics
tables), so its words are written here in Chinese rather than through the message catalog. Amounts
are 万元 printed from Decimal with four places; floats only place the points of the charts.
`data.gather()` reads a project in a bounded number of queries (about twenty, whatever its size), and
`layout.build()` lays it out (its parts in sections.py, charts.py and style.py); `services.render()` is
both, for the batch job, which has already checked visibility; views.py is the `project_reports`
blueprint (one project's PDF, and the batch pages of batch/).
"""
