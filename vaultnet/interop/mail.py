"""Reading mail exports: who wrote to whom, when, about what — headers only, as a stream.

PATH may be an mbox file (a provider's export, Thunderbird, Apple Mail's
`Name.mbox/mbox`), a Maildir (`cur/` and `new/`, Maildir++ subfolders too),
one `.eml` file, or a folder holding any of these. Only the header block of
each message is read and kept, one message at a time; bodies are skipped, so
a multi-gigabyte export is read in constant memory.

The standard library parses every header block (`email.parser`, `email.header`,
`email.utils`). The mbox file itself is split here, not by `mailbox.mbox`,
because that class opens the file for writing, keeps a table of every message
in memory, reads each message whole to get at its headers (a 30 MB attachment
to read 2 KB), and starts a new message at any body line that begins with
"From ". This splitter follows Thunderbird's rule instead: a "From " line
starts a message only when the two lines after it look like header fields, so
an unescaped "From " line in a body (mboxo, or a careless writer) stays body.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import ImportFormatError
from ..notes.captured import Address, MailMessage, ReadProblem

Progress = Callable[[int, int], None]
Item = MailMessage | ReadProblem  # a ReadProblem: a record that is no message at all

MAX_LINE = 64 * 1024  # longer lines are read in pieces: one line never fills the memory
MAX_HEADER = 256 * 1024  # a header block longer than this is cut there (and reported)
MAX_TEXT = 4096  # characters of a subject or a name decoded (RFC 2047); the rest is cut (and reported)
_FIELD = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_OBSOLETE_FROM = re.compile(rb"From[ \t]*:")  # `From  : x`, RFC 822's spaces before the colon: a header


def _is_from_line(line: bytes) -> bool:
    """An mbox From_ line ("From sender date"), not a From header written the obsolete way."""
    return line[:5] == b"From " and _OBSOLETE_FROM.match(line) is None
_NO_REPLY = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster)([-+_.].*)?$",
                       re.IGNORECASE)
_WANTED = ("from", "to", "cc", "date", "subject", "list-id", "list-unsubscribe", "precedence",
           "auto-submitted", "message-id")


# ---------------------------------------------------------------------------- sources


def read_mail(path: Path, progress: Progress | None = None) -> Iterator[Item]:
    """Every message under `path`, as it is read; `progress(bytes done, bytes in all)`.

    Raises ImportFormatError, before anything is read, when `path` holds no mail
    at all: missing, empty, a folder with no mbox, Maildir or .eml file in it.
    Messages are named in problems relative to the folder that holds `path`.
    """
    path = Path(path)
    base = path.parent
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist")
    if path.is_dir():
        sources = list(_sources(path, top=True))
        if not sources:
            raise ImportFormatError(f"{path} holds no mbox file, Maildir or .eml file")
    else:
        kind = _sniff(path)
        if kind == "empty":
            raise ImportFormatError(f"{path.name} is empty (0 bytes); nothing imported")
        sources = [(kind, path, path.stat().st_size)]
    total = sum(size for _, _, size in sources) or 1
    done = 0
    for kind, source, size in sources:
        inner = None if progress is None else (lambda n, _t, before=done: progress(before + n, total))
        yield from _read_source(kind, source, base, inner)
        done += size
        if progress is not None:
            progress(done, total)


def _read_source(kind: str, path: Path, base: Path, progress: Progress | None) -> Iterator[Item]:
    if kind == "mbox":
        yield from read_mbox(path, _where(path, base), progress)
    elif kind == "maildir":
        yield from _read_maildir(path, base)
    elif kind == "empty":
        yield ReadProblem(_where(path, base), "empty file (0 bytes)")
    elif kind == "unreadable":
        yield ReadProblem(_where(path, base), "cannot be read; skipped")
    elif kind == "not mbox":
        yield ReadProblem(_where(path, base), "does not start with a 'From ' line: not an mbox file; skipped")
    else:
        yield _read_message_file(path, base)


def _sources(folder: Path, top: bool = False) -> Iterator[tuple[str, Path, int]]:
    """(kind, path, bytes) for each mail source below `folder`, in name order. Symlinked
    folders are not followed (no loops); files are taken by name (`.mbox`, `.mbx`, `.eml`,
    `mbox`) or, without an extension, when they start like an mbox (Thunderbird's `Inbox`)."""
    if _is_maildir(folder):
        yield "maildir", folder, _tree_size(folder)
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        if top:
            raise ImportFormatError(f"cannot read {folder}: {exc.strerror}") from exc
        yield "unreadable", folder, 0
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        p = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _sources(p)
                continue
            if not entry.is_file() or not (p.suffix.lower() in (".mbox", ".mbx", ".eml", "")
                                           or p.name == "mbox"):
                continue
            kind = _sniff(p)
            size = entry.stat().st_size
        except (OSError, ImportFormatError):
            yield "unreadable", p, 0
            continue
        if kind == "message" and (p.suffix.lower() in (".mbox", ".mbx") or p.name == "mbox"):
            kind = "not mbox"  # named like an mbox but not one: said, not guessed at
        elif kind == "message" and p.suffix.lower() != ".eml":
            continue  # no mail extension and not an mbox: someone else's file
        yield kind, p, size


def _sniff(path: Path) -> str:
    """'mbox', 'message' or 'empty' for a file; 'maildir' for a Maildir folder."""
    if path.is_dir():
        return "maildir" if _is_maildir(path) else "folder"
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ImportFormatError(f"cannot read {path}: {exc.strerror}") from exc
    if not head:
        return "empty"
    # Blank lines before the first From_ line (git's test mboxes have them) are tolerated.
    return "mbox" if _is_from_line(head.lstrip(b" \t\r\n")) else "message"


def _is_maildir(folder: Path) -> bool:
    # cur/ and new/ (and tmp/) by the book; a copied Maildir may have lost the empty ones.
    return (folder / "cur").is_dir() or (folder / "new").is_dir()


def _tree_size(folder: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def _where(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _read_maildir(folder: Path, base: Path) -> Iterator[Item]:
    """cur/ and new/ (tmp/ holds deliveries in progress), then Maildir++ subfolders (.Sent)."""
    for sub in ("cur", "new"):
        try:
            names = sorted(e.name for e in os.scandir(folder / sub)
                           if not e.name.startswith(".") and e.is_file())
        except OSError:
            continue
        for name in names:
            yield _read_message_file(folder / sub / name, base)
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") and entry.name not in (".", "..") and \
                entry.is_dir(follow_symlinks=False) and _is_maildir(Path(entry.path)):
            yield from _read_maildir(Path(entry.path), base)


def _read_message_file(path: Path, base: Path) -> Item:
    where = _where(path, base)
    try:
        with open(path, "rb") as fh:
            block, cut = _header_block(fh)
    except OSError as exc:
        return ReadProblem(where, f"cannot read: {exc.strerror}")
    if not block.strip():
        return ReadProblem(where, "empty file (0 bytes)" if not block else "holds no mail headers")
    return parse_headers(block, where, cut)


def _header_block(fh) -> tuple[bytes, bool]:
    """The bytes up to the first blank line (the header block), at most MAX_HEADER."""
    out: list[bytes] = []
    size = 0
    while True:
        line = fh.readline(MAX_LINE)
        if not line or line in (b"\n", b"\r\n"):
            return b"".join(out), False
        out.append(line)
        size += len(line)
        if size > MAX_HEADER:
            return b"".join(out), True


# ---------------------------------------------------------------------------- mbox


class _Lines:
    """A file's lines, long ones in pieces, with a few put back after a look ahead."""

    __slots__ = ("fh", "back", "number", "_at_start", "read")

    def __init__(self, fh):
        self.fh = fh
        self.back: list[tuple[bytes, bool]] = []
        self.number = 0  # the line the last piece returned belongs to
        self._at_start = True
        self.read = 0

    def next(self) -> tuple[bytes, bool]:
        """(piece, starts a line); (b"", True) at the end."""
        if self.back:
            piece, start = self.back.pop()
        else:
            piece = self.fh.readline(MAX_LINE)
            self.read += len(piece)
            start = self._at_start
            self._at_start = piece.endswith(b"\n")
        if piece and start:
            self.number += 1
        return piece, start

    def put_back(self, pieces: list[tuple[bytes, bool]]) -> None:
        for piece, start in reversed(pieces):
            self.back.append((piece, start))
            if piece and start:
                self.number -= 1


def _starts_message(lines: _Lines) -> bool:
    """Is the "From " line just read a separator? Yes when what follows looks like the start
    of a header block: two header fields (folded continuations skipped), or one and the
    blank line that ends the block. This is Thunderbird's rule for unescaped "From " lines,
    loosened for messages with a single header; at the end of the file, yes."""
    seen: list[tuple[bytes, bool]] = []
    fields = 0
    answer = True
    while fields < 2:
        piece, start = lines.next()
        if not piece:
            break
        seen.append((piece, start))
        if not start or piece[:1] in (b" ", b"\t"):
            continue
        if _FIELD.match(piece):
            fields += 1
            continue
        answer = fields > 0 and piece in (b"\n", b"\r\n")
        break
    lines.put_back(seen)
    return answer


def read_mbox(path: Path, name: str, progress: Progress | None = None) -> Iterator[Item]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise ImportFormatError(f"cannot read {path}: {exc.strerror}") from exc
    with fh:
        total = os.fstat(fh.fileno()).st_size
        lines = _Lines(fh)
        piece, start = lines.next()
        while piece and start and not piece.strip():
            piece, start = lines.next()
        if not _is_from_line(piece):
            raise ImportFormatError(f"{name} does not start with a 'From ' line (not an mbox file)")
        last_report = 0
        while piece:
            from_line = lines.number
            while piece and not piece.endswith(b"\n"):  # the rest of an overlong From_ line
                piece, _ = lines.next()
            header: list[bytes] = []
            size = 0
            cut = False
            next_message = False
            while True:
                piece, start = lines.next()
                if not piece:
                    break
                if start and piece in (b"\n", b"\r\n"):
                    break
                if start and _is_from_line(piece) and _starts_message(lines):
                    next_message = True
                    break
                if size <= MAX_HEADER:
                    header.append(piece)
                    size += len(piece)
                else:
                    cut = True
            block = b"".join(header)
            where = f"{name}:{from_line}"
            if not block.strip():
                yield ReadProblem(where, "a 'From ' line with no message after it")
            else:
                yield parse_headers(block, where, cut)
            if not next_message:
                # The body: skipped, never kept, up to the next message.
                while True:
                    piece, start = lines.next()
                    if not piece:
                        break
                    if start and _is_from_line(piece) and _starts_message(lines):
                        break
            if progress is not None and lines.read - last_report > (1 << 20):
                last_report = lines.read
                progress(lines.read, total)
        if progress is not None:
            progress(total, total)


# ---------------------------------------------------------------------------- headers


def parse_headers(block: bytes, where: str, cut: bool = False) -> Item:
    """One message's header block -> a MailMessage, or a ReadProblem if it is no message."""
    import email.parser
    import email.policy

    problems: list[str] = []
    if cut:
        problems.append(f"header block longer than {MAX_HEADER // 1024} KB; read up to there")
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = block.decode("utf-8", errors="replace")
        line = block[: exc.start].count(b"\n") + 1
        problems.append(f"header line {line} is not UTF-8 (byte {block[exc.start]:#04x}); "
                        "read with replacement characters")
    msg = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(_fields_only(text, problems))
    fields = {key: [_unfold(v) for v in msg.get_all(key, [])] for key in _WANTED}
    if not any(fields[k] for k in ("from", "to", "date", "subject", "message-id")):
        shown = text.strip().split("\n", 1)[0][:60]
        return ReadProblem(where, f"not a mail message (no From, To, Date or Subject header; starts {shown!r})")

    subject = _decoded(fields["subject"][0], "Subject", problems) if fields["subject"] else ""
    senders = _addresses(fields["from"], "From", problems)
    recipients = _addresses(fields["to"] + fields["cc"], "To/Cc", problems)
    sent = None
    if not fields["date"]:
        problems.append("no Date header")
    else:
        sent = _date(fields["date"][0])
        if sent is None:
            problems.append(f"Date {fields['date'][0][:60]!r} is not a date")
    return MailMessage(where, sent, " ".join(subject.split()), senders, recipients,
                       _bulk(fields, senders), tuple(problems))


_FIELD_TEXT = re.compile(r"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_ODD_BREAKS = re.compile("[\v\f\r\x1c\x1d\x1e\x85\u2028\u2029](?!\n)")


def _fields_only(text: str, problems: list[str]) -> str:
    """The header block without the lines that are no header field: the email parser
    would take the first such line for the start of the body and lose every header after
    it. `Name  :` (the obsolete form, space before the colon) becomes `Name:`."""
    # The email parser splits lines as str.splitlines does (\u2028, \x85, \x1c...): inside a
    # header value those are spaces, or a subject would end there and the headers after it be lost.
    text = _ODD_BREAKS.sub(" ", text)
    lines = [line + "\n" for line in text.replace("\r\n", "\n").split("\n")]
    if lines and _is_from_line(lines[0].encode("utf-8", "replace")):
        lines = lines[1:]  # the mbox From_ line of an .eml that kept it
    out: list[str] = []
    keep = False  # the field being read is one of _WANTED (Received chains and signatures are not)
    for number, line in enumerate(lines, 1):
        if line[:1] in (" ", "\t"):
            if keep:
                out.append(line)
            continue
        m = _FIELD_TEXT.match(line)
        if m is None:
            keep = False
            if line.strip():
                problems.append(f"header line {number} is no header field ({line.strip()[:40]!r}); ignored")
            continue
        keep = m[1].lower() in _WANTED
        if keep:
            out.append(m[1] + ":" + line[m.end():] if m.end() != len(m[1]) + 1 else line)
    return "".join(out)


def _unfold(value) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", str(value))


def _decoded(value: str, header: str, problems: list[str]) -> str:
    """RFC 2047 encoded words decoded; a bad charset or bad bytes reported, never fatal.

    Only the first MAX_TEXT characters: email.header.decode_header takes time that grows
    with the square of the encoded words it is given (it pops them off the front of a
    list), and no subject or name is shown longer than a line."""
    import email.header

    if "=?" not in value:
        return value
    if len(value) > MAX_TEXT:
        cut = value[:MAX_TEXT]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut  # not in the middle of an encoded word
        problems.append(f"{header}: {len(value):,} characters; read up to the first {len(cut):,}")
        value = cut
    try:
        parts = email.header.decode_header(value)
    except Exception as exc:  # a malformed encoded word: shown as written
        problems.append(f"{header}: {exc}; shown as written")
        return value
    out = []
    for data, charset in parts:
        if isinstance(data, str):
            out.append(data)
            continue
        try:
            out.append(data.decode(charset or "ascii"))
        except LookupError:
            problems.append(f"{header}: unknown charset {charset!r}; read with replacement characters")
            out.append(data.decode("utf-8", errors="replace"))
        except UnicodeDecodeError:
            problems.append(f"{header}: not valid {charset}; read with replacement characters")
            out.append(data.decode(charset or "ascii", errors="replace"))
    return "".join(out)


def _addresses(values: list[str], header: str, problems: list[str]) -> tuple[Address, ...]:
    import email.utils

    out: dict[str, Address] = {}
    try:
        pairs = email.utils.getaddresses(values)
    except RecursionError:  # comments nested past the recursion limit: `(((...)))`, read by recursion
        problems.append(f"{header}: comments nested too deep to read; its addresses are not read")
        return ()
    for name, addr in pairs:
        addr = addr.strip()
        if "@" not in addr:
            continue
        name = " ".join(_decoded(name, header, problems).split()).strip("'\"")
        out.setdefault(addr.casefold(), Address(name, addr))
    return tuple(out.values())


def _date(value: str) -> dt.datetime | None:
    import email.utils

    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _bulk(fields: dict[str, list[str]], senders: tuple[Address, ...]) -> str:
    if fields["list-id"]:
        return "List-Id"
    if fields["list-unsubscribe"]:
        return "List-Unsubscribe"
    precedence = fields["precedence"][0].strip().lower() if fields["precedence"] else ""
    if precedence in ("bulk", "list", "junk"):
        return f"Precedence: {precedence}"
    auto = fields["auto-submitted"][0].strip().lower() if fields["auto-submitted"] else ""
    if auto and auto != "no":
        return f"Auto-Submitted: {auto.split(';')[0]}"
    for sender in senders:
        if _NO_REPLY.match(sender.email.rsplit("@", 1)[0]):
            return "no-reply sender"
    return ""
