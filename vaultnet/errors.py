"""Domain exceptions. The CLI turns every VaultnetError into `Error: ...`, exit 1."""


class VaultnetError(Exception):
    """A problem the user can fix; the message is shown as is."""


class VaultNotFound(VaultnetError):
    pass


class ConfigError(VaultnetError):
    pass


class NameNotFound(VaultnetError):
    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no note called {name!r}.{hint}")


class NotAContact(VaultnetError):
    """A name that is a note, but neither a person nor an organization."""

    def __init__(self, name: str, path: str):
        self.name = name
        self.path = path
        super().__init__(f"{name!r} is {path}, a note that is neither a person nor an organization "
                         "(`type: person` or `type: org` in its frontmatter makes it one)")


class AmbiguousName(VaultnetError):
    def __init__(self, name: str, candidates: list[str]):
        self.name = name
        self.candidates = candidates
        listing = "\n".join(f"  {c}" for c in candidates)
        super().__init__(f"{name!r} matches several notes; name one of them:\n{listing}")


class IndexBusy(VaultnetError):
    pass


class IndexReadOnly(VaultnetError):
    """The index folder cannot be written (a read-only disk, no permission)."""


class QueryError(VaultnetError):
    pass


class ImportFormatError(VaultnetError):
    """An import file that is empty or not the kind the command expects."""
