"""Reports of the unit: action-plan progress for the director's meeting (process 1.4) and the
annual report with its website folder (process 1.6). See docs/reports.md."""
