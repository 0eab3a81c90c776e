"""The holiday calendar and working-day arithmetic of the statutory clock."""
