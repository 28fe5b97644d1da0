"""The sync: registry → desired items → plan (delta or full) → guard → apply → recorded run."""
