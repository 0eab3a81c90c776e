"""Reports: the overview, fixed statistics tables, self-composed reports, charts, project report PDFs."""
