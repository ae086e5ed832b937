"""Tidtam (ติดตาม): keep an ESA's plan and indicator data once, report it everywhere.

The repository root is the ``tidtam`` package; see README.md ("How it installs").
"""

__version__ = "0.1.0"
