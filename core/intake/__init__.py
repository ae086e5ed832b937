"""Intake from colleagues: one workbook per owner out, validated values back in.

- ``kinds.py``    the kinds of workbook: core's "progress", and those plugins add (``register_intake``)
- ``layouts.py``  what a template looks like: sheets, columns, which cells an owner fills
- ``sources.py``  which records belong in an owner's workbook (read from the database)
- ``writer.py``   ``templates make``: the .xlsx files (openpyxl)
- ``reader.py``   reading a returned workbook into typed values, every problem located
- ``apply.py``    ``import``: one transaction per file, idempotent, audited, evidence copied
"""
