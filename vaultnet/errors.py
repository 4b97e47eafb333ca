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


class AmbiguousName(VaultnetError):
    def __init__(self, name: str, candidates: list[str]):
        self.name = name
        self.candidates = candidates
        listing = "\n".join(f"  {c}" for c in candidates)
        super().__init__(f"{name!r} matches several notes; name one of them:\n{listing}")


class BadValue(VaultnetError):
    """An argument a command cannot use (a date, a cadence, an empty name): a usage error.

    `argument` names it in lower case, as the command's option and the MCP tool's
    argument are named (`cadence`, `date`), so each front end can say which one.
    """

    def __init__(self, message: str, argument: str | None = None):
        self.argument = argument
        super().__init__(message)


class IndexBusy(VaultnetError):
    pass


class IndexReadOnly(VaultnetError):
    """The index folder cannot be written (a read-only disk, no permission)."""


class QueryError(VaultnetError):
    pass


class ImportFormatError(VaultnetError):
    """An import file that is empty or not the kind the command expects."""
