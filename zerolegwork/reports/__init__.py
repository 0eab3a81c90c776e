"""Reports, in four sub-packages: fixed/ (overview, fixed tables, charts), composer/, pdf/, batch/."""
