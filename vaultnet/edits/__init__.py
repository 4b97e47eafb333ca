"""The only code that changes user files: atomic writes, log/add, frontmatter edits, merge, import, reports."""
