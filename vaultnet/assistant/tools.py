"""The commands as MCP tools: the same arguments (lower case), the same core functions, the same JSON.

Each method is one tool. Its signature is the tool's input schema (the SDK
reads it with pydantic), its docstring's first line the description an
assistant chooses by. A tool calls exactly what the command calls, so the
answer is the command's `--json`; a domain error (a name that matches no one,
or several; a bad date) is a tool error with the command's message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from ..errors import VaultnetError, os_error_message
from .live_index import LiveIndex

# A name as every command takes it: file name, name, alias, a unique first or last name, or a
# close misspelling, case and accents ignored.
Name = Annotated[str, Field(description="A person's (or note's) file name, name, alias, or unique first or "
                                        "last name; case and accents ignored.")]
Limit = Annotated[int, Field(ge=1, description="At most this many results.")]

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
# In MCP's terms: `log` and `add` only add (a line, a note); `done` changes a task line in place
# and `snooze` replaces a follow-up date, so they are not merely additive. Only `snooze` gives
# the same result when called again.
WRITES = {
    "log": ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                           open_world_hint=False),
    "add": ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                           open_world_hint=False),
    "done": ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False,
                            open_world_hint=False),
    "snooze": ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True,
                              open_world_hint=False),
}


def answer(data: Any) -> CallToolResult:
    """The command's JSON as the tool's text, and as structured content (an object: lists go under `result`)."""
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(data, ensure_ascii=False))],
        structured_content=data if isinstance(data, dict) else {"result": data},
    )


@contextmanager
def as_tool_error() -> Iterator[None]:
    """A VaultnetError becomes a tool error with its message; the server goes on."""
    try:
        yield
    except VaultnetError as exc:
        raise ToolError(str(exc)) from exc
    except OSError as exc:  # as the CLI's boundary says it
        raise ToolError(os_error_message(exc)) from exc


class Tools:
    """The tools, bound to one vault's live index."""

    READ_TOOLS = ("search", "show", "due", "ledger", "backlinks", "intro", "who", "news", "references", "orphans")
    WRITE_TOOLS = tuple(WRITES)

    def __init__(self, live: LiveIndex):
        self.live = live

    # ------------------------------------------------------------------ read

    def search(
        self,
        query: Annotated[str, Field(description="Words, or fields like company:acme tag:mentor name:ada~ "
                                                'role:"product manager" last_contact:[2026-01-01 to]; '
                                                "'*' matches every note.")],
        type: Annotated[Literal["person", "org", "note", "any"], Field(description="Only notes of this kind.")]
        = "any",
        limit: Limit = 20,
    ) -> CallToolResult:
        """Full-text search of the notes (people, organizations, meetings, daily notes), best first, with a snippet."""
        from ..network import queries

        with as_tool_error(), self.live.reading() as index:
            return answer(queries.search(index, query, None if type == "any" else type, limit,
                                         today=self.live.today()))

    def show(self, name: Name) -> CallToolResult:
        """A contact's card: fields, last contact, next due date and why, ledger, every interaction (newest first)."""
        from ..network import queries

        with as_tool_error(), self.live.reading() as index:
            return answer(queries.card(index, queries.find_note(index, name), self.live.today()))

    def due(
        self,
        within: Annotated[int, Field(ge=0, description="Also list those due in the next this many days.")] = 0,
        tag: Annotated[str | None, Field(description="Only people with this tag.")] = None,
    ) -> CallToolResult:
        """Who is due for a hello (by cadence, follow-up date or open task), most overdue first, and why."""
        from ..network import queries

        with as_tool_error(), self.live.reading() as index:
            return answer(queries.due(index, self.live.today(), within, tag))  # as the command's `due`

    def ledger(self) -> CallToolResult:
        """Favours given and received per person (#gave / #got log lines): those you only take from first."""
        from ..network import queries

        with as_tool_error(), self.live.reading() as index:
            return answer(queries.kept_ledger(index))  # as the command's `ledger`

    def backlinks(self, name: Name) -> CallToolResult:
        """Every place in the notes that links a person or note (or mentions someone with no note yet), with the line."""
        from ..network import queries

        with as_tool_error(), self.live.reading() as index:
            return answer(queries.backlinks_of(index, name))

    def intro(
        self,
        target: Annotated[str, Field(description="A person, or an organization to reach anyone at.")],
        max_hops: Annotated[int, Field(ge=1, le=6, description="The longest chain of people to consider.")] = 3,
        limit: Limit = 10,
    ) -> CallToolResult:
        """How to reach a person, or anyone at an organization, through people you know: shortest, then strongest."""
        from ..network.graph import intro as find_paths

        with as_tool_error(), self.live.reading() as index:
            return answer(find_paths(index, self.live.today(), target, max_hops=max_hops, limit=limit))

    def who(
        self,
        topic: Annotated[str, Field(description="Words to look for, e.g. kubernetes, fundraising, compilers.")],
        limit: Limit = 10,
    ) -> CallToolResult:
        """People related to a topic, by their own notes and the notes that mention them: whom to ask or tell."""
        from ..network.topics import who as find_people

        with as_tool_error(), self.live.reading() as index:
            return answer(find_people(index, topic, limit=limit, today=self.live.today()))

    def news(
        self,
        since: Annotated[str | None, Field(description="News since: a date (2026-09-01) or how long ago (90d, 2w, "
                                                       "3m); default: the vault's news_days (30).")] = None,
    ) -> CallToolResult:
        """Recent news about people (a new job, a move; #news log lines), newest first: reasons to reach out."""
        from ..network import queries
        from ..notes.dates import since_argument

        today = self.live.today()
        with as_tool_error():
            first = since_argument(since, today, self.live.index.vault.config.news_days, "since")
            with self.live.reading() as index:
                return answer(queries.kept_news(index, today, first))

    def references(
        self,
        topic: Annotated[str | None, Field(description="Only those whose noticed lines, `reference` or notes "
                                                       "are about this, e.g. kubernetes.")] = None,
    ) -> CallToolResult:
        """Who has seen the user's work and could vouch for them (#noticed, `reference:`), strongest first."""
        from ..network import queries

        with as_tool_error(), self.live.reading() as index:
            return answer(queries.kept_references(index, self.live.today(), topic))

    def orphans(self) -> CallToolResult:
        """People nobody links and with no interactions yet: acquaintances, not yet relationships."""
        from ..network import queries

        with as_tool_error(), self.live.reading() as index:
            return answer(queries.network(index, self.live.today()).orphans())

    # ------------------------------------------------------------------ write

    def log(
        self,
        name: Name,
        text: Annotated[str, Field(description="What happened, one line; [[links]] to others who were there "
                                               "count for them too.")],
        date: Annotated[str | None, Field(description="The day it happened: YYYY-MM-DD, today, yesterday, "
                                                      "3d ago (default: today).")] = None,
        gave: Annotated[bool, Field(description="You helped them: adds #gave.")] = False,
        got: Annotated[bool, Field(description="They helped you: adds #got.")] = False,
        news: Annotated[bool, Field(description="News about them (a new job, a move), not contact: "
                                                "adds #news.")] = False,
        noticed: Annotated[bool, Field(description="They saw or praised your work: adds #noticed.")] = False,
        next: Annotated[str | None, Field(description="Also set the next follow-up, in the same write: 2w, "
                                                      "3m, a date.")] = None,
        any: Annotated[bool, Field(description="The name may be a note that is not a person (a project, "
                                               "a meeting).")] = False,
    ) -> CallToolResult:
        """Record an interaction: add '- DATE TEXT' to the person's ## Log section; gave/got mark a favour."""
        from ..edits.person_notes import log_interaction
        from ..notes.dates import day_argument

        today = self.live.today()
        with as_tool_error():
            when = today if date is None else day_argument(date, today, "date", past=True)
            follow_up = None if next is None else day_argument(next, today, "next", past=False)
            with self.live.writing() as (index, stale):
                result = log_interaction(index.vault, index, name, text, when, gave=gave, got=got, news=news,
                                         noticed=noticed, follow_up=follow_up, any_note=any, guess=not stale,
                                         any_hint="to log there anyway, call log again with any: true")
                self.live.wrote(result["path"])
            return answer(result)

    def add(
        self,
        name: Annotated[str, Field(description="The person's full name; the note's file name comes from it.")],
        company: Annotated[str | None, Field(description='Their company, as text or a link "[[Acme]]".')] = None,
        role: Annotated[str | None, Field(description="Their job title.")] = None,
        email: Annotated[tuple[str, ...], Field(description="Email addresses.")] = (),
        phone: Annotated[tuple[str, ...], Field(description="Phone numbers.")] = (),
        tag: Annotated[tuple[str, ...], Field(description="Tags, e.g. mentor, investor.")] = (),
        cadence: Annotated[str | None, Field(description="How often to be in touch: 30d, 2w, 3m, 1y, "
                                                         "monthly...")] = None,
        met: Annotated[str | None, Field(description="How you met.")] = None,
    ) -> CallToolResult:
        """Create a person note (never over an existing one) with company, role, emails, phones, tags, cadence."""
        from ..edits.person_notes import add_person

        with as_tool_error():  # as the command: no index needed, the vault write lock is taken
            result = add_person(self.live.index.vault, name, company=company, role=role, emails=email,
                                phones=phone, tags=tag, cadence=cadence, met=met)
        self.live.wrote(result["path"])
        return answer(result)

    def done(
        self,
        name: Name,
        text: Annotated[str | None, Field(description="Words from the task, when they have several open ones.")]
        = None,
    ) -> CallToolResult:
        """Tick off a person's open task (- [ ] ... in their note or linking them), in place, dated today."""
        from ..edits.tasks import done as complete_task

        with as_tool_error(), self.live.writing() as (index, stale):
            result = complete_task(index.vault, index, name, text, self.live.today(), guess=not stale)
            self.live.wrote(result["path"])
            return answer(result)

    def snooze(
        self,
        name: Name,
        when: Annotated[str, Field(description="When to be reminded: 2w, 3d, 1m, or a date YYYY-MM-DD.")],
    ) -> CallToolResult:
        """Not now: set a person's follow-up date to remind the user later (2w, 3d, 1m, or a date)."""
        from ..edits.fields import snooze_person
        from ..notes.dates import day_argument

        today = self.live.today()
        with as_tool_error():
            day = day_argument(when, today, "when", past=False)
            with self.live.writing() as (index, stale):
                change = snooze_person(index.vault, index, name, day, today, guess=not stale)
                self.live.wrote(change.path)
            return answer(change.as_json())
