"""Domain exceptions. The CLI turns every VaultnetError into `Error: ...`, exit 1."""


def os_error_message(exc: OSError) -> str:
    """What failed, and on which file: how the CLI and the MCP tools say an OSError they did not expect."""
    return f"{exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}"


class VaultnetError(Exception):
    """A problem the user can fix; the message is shown as is."""


class VaultNotFound(VaultnetError):
    pass


class ConfigError(VaultnetError):
    pass


class NameNotFound(VaultnetError):
    def __init__(self, name: str, suggestions: list[str], mentioned: tuple[str, list[str]] = ("", [])):
        self.name = name
        self.suggestions = suggestions
        self.mentioned_as, self.mentioned_in = mentioned
        if self.mentioned_in:
            n = len(self.mentioned_in)
            listing = "".join(f"\n  {source}" for source in self.mentioned_in[:5])
            more = f"\n  ... and {n - 5} more" if n > 5 else ""
            quoted = '"' + self.mentioned_as.replace('"', '\\"') + '"'
            super().__init__(
                f"{self.mentioned_as!r} has no note yet; mentioned in {n} note{'s' * (n != 1)}:{listing}{more}\n"
                f"Make one with: vaultnet add {quoted}")
            return
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no note called {name!r}.{hint}")


class NotAPerson(VaultnetError):
    """A command about a person was given a name that means another kind of note."""

    def __init__(self, path: str, kind: str, hint: str = ""):
        self.path = path
        self.kind = kind
        what = {"org": "an organization", "note": "a note"}.get(kind, f"a {kind}")
        super().__init__(f"{path} is {what}, not a person{'; ' + hint if hint else ''}")


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
