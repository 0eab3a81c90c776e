"""Self-composed reports (报表自行组合): row and column headers from a declared catalog, plus the library's filters.

Nothing a user sends becomes SQL text. A definition names dimensions and measures by id; every id is
looked up in DIMENSIONS / MEASURES (objects built in catalog.py, expressions written in code) and anything else
is refused with a typed error; filters go through `ProjectQuery.from_args` (values outside the
vocabularies are dropped) and reach the database as bound parameters.

How a table is built (`table.build`, over the one statement of statement.py):
- the base is the projects the user may see (`permissions.project_scope`, through `library.filtered`)
  that match the filters and were created at or before `as_of`;
- each child table a chosen measure needs is aggregated per project first (a subquery keyed by
  project_id, over its rows created at or before `as_of`) and LEFT JOINed once, so no child multiplies
  another's rows; "latest" records (progress, acceptance, evaluation) are picked with row_number();
- ONE statement groups by the chosen dimensions' keys and sums additive components; subtotals and the
  grand total are exact Decimal sums of those leaf rows (portable: no GROUPING SETS needed), and
  ratios (完成进度%, the average score) are computed from each row's sums, never averaged from rows.

The funding-source dimension multiplies rows: a project whose current investment plan has two sources
is one *funding line* under each. Under it the counting unit is the funding line, so every subtotal
and total is still the plain sum of its rows:
- planned_investment and funding_amount are the line's source amount (a project's lines add up to its
  current plan total); a project without a plan is one line under （未填） with its planned investment
  and a funding amount of 0;
- project_count counts funding lines (a project with two sources counts once under each source, and
  twice in a total across sources) — the column header says so;
- measures that belong to the whole project (cumulative investment, 完成进度%, disbursement,
  contracts, procurement, acceptance, evaluation) cannot be split by source without inventing an
  allocation, so they are refused next to this dimension (`MeasureNotBySourceError`).

As of: every project and child record counts only when created at or before `as_of`, so re-running a
definition later with the same `as_of` gives the same numbers and checksum although new projects and
records arrived meanwhile. Not versioned: the Project row's own columns (classification, planned and
cumulative investment, state, stage, region, department) are read as they are now; a later edit of
them (the project-information form, a new progress report moving 累计投资, a state change) changes a
re-run's numbers, and the checksum then shows the difference instead of hiding it.

Exports (xlsx, csv with a UTF-8 BOM) carry the definition, the as-of time (UTC ISO and Asia/Shanghai)
and `checksum` = sha256 of the canonical JSON of definition + as_of + the table's keys and values;
`exports.verify_export(user, data)` reads an export back, re-runs it and compares the checksums.

The parts: errors.py (what is refused), catalog.py (the dimensions and measures), definitions.py (a
definition and its as-of time), statement.py, table.py (build, checksum), exports.py, saved.py (saved
definitions; the table in models.py); services.py re-exports them as the one surface that views.py
(the `composer` blueprint) and the tests call.
"""
