"""Spreadsheet files as imports read them, and what can be wrong with them: shared by the registry's
imports (bridge.transfer) and course choice's survey answers (bridge.choices)."""
