"""Technicians' words made canonical before the grammar reads them.

A message arrives as typed: with the bot's own mention (``@autotask:``), politeness and question
openers ("hey, can you show me", "do we have any"), shorthand and typos ("tix", "contrats",
"an hour"), people's mentions, control characters and punctuation anywhere. This module
removes what carries no meaning and maps what does onto the words the grammar knows, keeping
every token's position in the message so that free text (a note, a title, a time summary) is
still taken exactly as typed.

Every step is a table look-up or an anchored, bounded regular expression over the words: linear
in the length of the message.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence

from ._tokens import Token

__all__ = ["VOCABULARY", "clean_text", "normalize"]

# The bot's own mention at the start (adapters strip it on Slack and Teams; the web chat and
# pasted text keep it), with an optional greeting before and a colon or comma after.
_BOT_MENTION = re.compile(
    r"^\s*(?:(?:hey|hi|hello|yo|ok|okay)[\s,]+)?"
    r"(?:@\s?(?:autotask|atbot|at-bot|bot)\b|(?:autotask|atbot)\b(?=\s*[:,])|<@[A-Z0-9]+(?:\|[^>]*)?>"
    r"|<at>[^<]{1,60}</at>)[\s:,;.!\-\u2013\u2014]*",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")

# One word typed → the word the grammar knows (shorthand, common typos, spelling variants).
_WORDS = {
    **dict.fromkeys(("tix", "tixs", "tkts", "tickts", "tikets", "tickes", "ticktes", "tcikets",
                     "tickest", "tciket", "ticekts", "tckts", "tics", "tix's"), "tickets"),
    **dict.fromkeys(("tkt", "tik", "tiket", "tickt", "ticekt", "tciket", "tckt", "tix#"), "ticket"),
    **dict.fromkeys(("contrats", "contracs", "contarcts", "contratcs", "contrcts", "contracst",
                     "agreements", "contract's"), "contracts"),
    **dict.fromkeys(("contcts", "contatcs", "contats", "conatcts", "contacs"), "contacts"),
    **dict.fromkeys(("compnies", "companys", "comapnies", "compaines", "customers", "clients",
                     "accounts"), "companies"),
    **dict.fromkeys(("device", "machines", "machine", "computers", "computer", "assets",
                     "asset", "cis", "ci", "equipment", "hardware"), "devices"),
    **dict.fromkeys(("timesheet", "timesheets", "time-entries", "timeentries"), "time"),
    **dict.fromkeys(("prio", "pri", "prioirty", "priorty", "proirity"), "priority"),
    **dict.fromkeys(("crit", "urgent", "p1", "sev1", "emergency"), "critical"),
    **dict.fromkeys(("p2", "sev2", "hi-pri"), "high"),
    **dict.fromkeys(("p3", "sev3", "med", "normal"), "medium"),
    **dict.fromkeys(("p4", "sev4"), "low"),
    **dict.fromkeys(("whats", "what's", "wats", "wat", "wht"), "what"),
    **dict.fromkeys(("who's", "whos"), "who"),
    **dict.fromkeys(("im", "i'm", "ive", "i've", "id", "i'd"), "i"),
    **dict.fromkeys(("u", "ya", "yu"), "you"),
    **dict.fromkeys(("pls", "plz", "plse", "pleas", "pleae", "kindly"), "please"),
    **dict.fromkeys(("thx", "thanks", "ty", "cheers", "thanx", "tnx"), "thanks"),
    **dict.fromkeys(("today's", "todays", "2day", "tdy"), "today"),
    **dict.fromkeys(("yday", "yesterdays", "yesterday's", "yesteday", "yesterdy", "ystd"),
                    "yesterday"),
    **dict.fromkeys(("tmrw", "tmr", "tomorow", "tommorow", "tomorrows", "tomorrow's"),
                    "tomorrow"),
    **dict.fromkeys(("wk", "wks", "weeks"), "week"),
    **dict.fromkeys(("mth", "mnth", "mo"), "month"),
    **dict.fromkeys(("qtr", "q"), "quarter"),
    **dict.fromkeys(("yr",), "year"),
    **dict.fromkeys(("finished", "fixed", "solved", "closd", "cmplete", "compelted",
                     "completd"), "completed"),
    **dict.fromkeys(("expire", "expires", "expiry", "expiring", "expring", "exipring",
                     "expirng", "renew", "renews", "renewal", "renewals", "lapsing", "lapse"),
                    "expiring"),
    **dict.fromkeys(("asigned", "assinged", "assgined"), "assigned"),
    **dict.fromkeys(("unasigned", "unassinged", "unassgined", "unowned", "unallocated"),
                    "unassigned"),
    **dict.fromkeys(("overdue", "late", "past-due", "pastdue", "breached"), "overdue"),
    **dict.fromkeys(("e-mail", "emails", "e-mails"), "email"),
    **dict.fromkeys(("tel", "telephone", "phone#", "mobile", "cell", "ph#"), "phone"),
    **dict.fromkeys(("i'll",), "i"),
    **dict.fromkeys(("serial#", "s/n", "sn", "serialnumber"), "serial"),
    **dict.fromkeys(("hrs", "hr", "hour", "hours"), "hours"),
    **dict.fromkeys(("mins", "min", "minute", "minutes"), "minutes"),
}  # fmt: skip

# Words the grammar understands anywhere; a word near one of them (a typo) is read as it.
VOCABULARY = frozenset({
    "tickets", "ticket", "contracts", "contract", "contacts", "contact", "companies", "company",
    "projects", "project", "tasks", "task", "devices", "entries", "configuration", "expiring",
    "assigned", "unassigned", "priority", "critical", "yesterday", "tomorrow", "overdue",
    "completed", "created", "updated", "status", "queue", "export", "describe", "history",
    "notes", "latest", "alerts", "assign", "close",
})  # fmt: skip
# Words the grammar reads as they are: never "corrected" into a look-alike.
_KNOWN = frozenset({
    "create", "close", "closed", "complete", "completed", "resolve", "resolved", "contact",
    "contract", "company", "ticket", "project", "assign", "reassign", "status", "entries",
    "entry", "created", "opened", "updated", "changed", "modified", "notes", "comment",
    "description", "details", "queue", "priority", "please", "thanks", "today", "month",
    "quarter", "where", "which", "there", "these", "those", "about", "after", "before", "since",
    "until", "within", "during", "public", "internal", "private", "customer", "vendor",
    "waiting", "progress", "export", "download", "describe", "fields", "entities", "alerts",
    "alert", "count", "number", "phone", "email", "serial", "named", "called", "newest", "oldest",
    "latest", "recent", "limit", "first", "escalate", "assigned", "unassigned", "history",
    "activity", "critical", "medium", "expiring", "ending", "active", "inactive", "devices",
    "service", "level", "support", "monitoring", "total", "hours", "minutes", "worked", "logged",
    "booked", "spent", "record", "enter", "track", "onsite", "remote", "users", "people",
    "staff", "technician", "resource", "person", "contacts", "contracts", "companies",
    "projects", "tasks", "tickets", "overdue", "yesterday", "tomorrow", "configuration",
    "update", "updates", "news", "closes", "expired", "events",
})  # fmt: skip
_FUZZY_WINDOW = 16  # only the first words are spell-checked: a long message stays cheap
_FUZZY_CUTOFF = 0.82

# Phrases (over the canonical words, one space apart) → what the grammar reads instead.
_PHRASES: tuple[tuple[str, str], ...] = (
    # people and numbers
    (r"(?:the |a )?(?:contact |best )?phone(?: number)? (?:for|of)|(?:contact )?number for"
     r"|how (?:do i|can i|to) (?:call|reach|phone|contact)|^call", "phone for"),
    (r"(?:what is )?(?:the )?email(?: address)? (?:for|of)", "email for"),
    (r"who has (?:the )?phone(?: number)?|whose (?:phone )?number is|(?:contacts? )?with phone"
     r"(?: number)?", "phone for"),
    (r"who(?= (?!am |am$|is |are |was |has )[^ ]+)|who is|who are|who was"
     r"|contact (?:details|info) (?:for|of)", "who is"),
    # counting, exporting, totals
    (r"how much|how many (?:hours|hrs)(?= (?:did|have|has|do|i|we|were|was))", ""),
    (r"how many(?: of)?|count of|number of|total number of|the number of", "count"),
    (r"(?:download|send me|give me|email me|get me)(?: an?)?(?: csv| excel| spreadsheet)"
     r"(?: file)?(?: of| with| for)?|(?:csv|excel|spreadsheet) (?:of|with|for)", "export"),
    # what am I working on
    (r"(?:on|in) my (?:plate|queue|desk|list|bucket)|my (?:workload|work|queue|backlog)"
     r"|i (?:am )?(?:working on|assigned to)", "my tickets"),
    # my time
    (r"(?:(?:time|hours) )?(?:did|have) i (?:log|logged|book|booked|record|recorded|put in|"
     r"enter|entered|work|worked|bill|billed|spend|spent)|(?:time|hours) i (?:logged|booked|"
     r"recorded|worked|billed|spent|put in)|i (?:logged|booked|recorded|worked|billed)"
     r"(?= (?:today|yesterday|this|last|since|on|in))|my (?:hours|time entries|time|timesheet"
     r"|logged time|logged hours)|my time", "my time"),
    # one ticket: notes, history, status as questions
    (r"(?:the )?(?:latest|last|newest|recent|most recent) (?:news |update |updates |notes? )?"
     r"(?:on|for|of|about|in)|(?:any )?(?:updates?|news|progress) (?:on|for|about)"
     r"|what(?: is| has)? happen(?:ed|ing) (?:on|with|to)", "notes for"),
    (r"(?:the )?(?:history|activity|timeline) (?:of|for|on)", "history for"),
    (r"(?:what is )?(?:the )?(?:current )?status (?:of|for|on)|where (?:is|are) we (?:on|with)",
     "status for"),
    (r"(?:up|due|coming up|ready) for (?:renewal|expiring)|(?:due|about|going) to expiring"
     r"|(?:that|which) (?:are )?expiring|(?:will|to) expiring", "expiring"),
    # durations typed in words
    (r"half an hours?|half hours?|a half hours?|30 minutes", "30m"),
    (r"an hours? and a half|one and a half hours?|1 and a half hours?", "1.5h"),
    (r"(?:an|one|1) hours?", "1h"),
    (r"a quarter(?: of an)? hours?|quarter hours?|15 minutes", "15m"),
    (r"(\d{1,2}(?:[.,]\d{1,2})?) hours", r"\1h"),
    (r"(\d{1,4}) minutes", r"\1m"),
    (r"(\d{1,2})h (\d{1,2})m?", r"\1h \2m"),
    # ranges said otherwise
    (r"(?:in )?the (?:next|coming) (\d{1,4}) (days?|week|months?)", r"next \1 \2"),
    (r"(?:in )?the (?:past|last) (\d{1,4}) (days?|week|months?)", r"last \1 \2"),
    (r"soon|shortly|coming up", "next 30 days"),
    (r"this (?:coming )?weekend", "this week"),
    (r"so far(?= this| today)|to date", ""),
    # verbs of closing and opening
    (r"(?:have )?(?:been )?(?:closed|completed|resolved|done|finished|fixed|solved) off"
     r"|closed out|wrapped up", "completed"),
    (r"(?:last|latest|newest|most recent|recent) (\d{1,3})(?= (?:tickets|tix))",
     r"newest limit \1"),
    (r"did (?:we|you|they) close|(?:we|they) closed", "closed"),
    (r"not assigned|(?:with )?no (?:assignee|owner|tech|technician)|without (?:an )?(?:assignee|"
     r"owner)|nobody assigned|no one assigned|unowned", "unassigned"),
    (r"close out|closeout|shut", "close"),
    (r"did i close|i closed", "my closed"),
    (r"(?:open|raise|log|create|make|add|start|put in|submit|file|enter|new)(?: up)?"
     r" (?:a |an |one |new |a new )?(?:(critical|high|medium|low)(?:-priority| priority)? )?"
     r"(?:new )?ticket(?! #?\d| t\d{8})", r"new ticket \1"),
    (r"what can you do|what do you do|commands|how do i use (?:you|this)", "help"),
    (r"what (?:can|do) you (?:see|access)|what can you read", "entities"),
)  # fmt: skip
_COMPILED = tuple(
    (re.compile(rf"(?<![^ ])(?:{pattern})(?![^ ])"), replacement)
    for pattern, replacement in _PHRASES
)

# Openers and closers that carry no meaning (removed only at the start and the end).
_OPENERS = frozenset({
    "please", "hey", "hi", "hello", "yo", "ok", "okay", "so", "um", "uh", "hmm", "can", "could",
    "would", "will", "you", "show", "list", "find", "search", "display", "give", "get", "fetch",
    "view", "lookup", "look", "up", "me", "us", "tell", "what", "which", "are", "is", "there",
    "any", "anything", "do", "does", "we", "have", "need", "want", "to", "see", "pull", "the",
    "all", "of", "quick", "quickly", "just", "now", "again", "let", "bring", "check", "and",
    "i", "a", "some", "every", "each", "about", "on", "current", "currently", "our", "also",
    "got", "still", "into", "for", "at", "like", "know", "whether", "if", "pls",
})  # fmt: skip
_SHOW = frozenset({"show", "view", "display", "get", "find", "check", "pull", "see", "give"})
_TICKETISH = re.compile(r"#?\d{3,12}|t\d{8}\.\d{4}(?:\.\d{3})?")
_CLOSERS = frozenset({"please", "thanks", "now", "asap", "thank", "you", "again", "mate",
                      "then", "ok", "right"})  # fmt: skip


def clean_text(text: str, mentions: Mapping[str, str] | None = None) -> str:
    """The message with people's mentions as their e-mail, without control characters or the
    bot's own leading mention."""
    for marked, email in sorted((mentions or {}).items(), key=lambda m: -len(m[0])):
        if marked and email:
            text = text.replace(marked, f" {email} ")
    text = _CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFKC", text) if not text.isascii() else text
    return _BOT_MENTION.sub("", text, count=1)


@functools.lru_cache(maxsize=4096)
def _typo(key: str) -> str | None:
    """The vocabulary word a mistyped word stands for (same first letter, close spelling)."""
    if key in _KNOWN or key in VOCABULARY or key in _OPENERS:
        return None
    close = difflib.get_close_matches(key, VOCABULARY, n=1, cutoff=_FUZZY_CUTOFF)
    return close[0] if close and close[0][0] == key[0] else None


def _word(token: Token, index: int) -> Token:
    key = token.key
    canonical = _WORDS.get(key)
    if canonical is None and index < _FUZZY_WINDOW and 5 <= len(key) <= 14 and key.isalpha():
        canonical = _typo(key)
    if canonical is None or canonical == key:
        return token
    return Token(token.text, token.start, token.end, norm=canonical)


def _line(tokens: Sequence[Token]) -> str:
    return " ".join(token.key or "\x00" for token in tokens)


def _phrase(tokens: Sequence[Token], pattern: re.Pattern[str], replacement: str) -> list[Token]:
    keys = [token.key or "\x00" for token in tokens]
    starts: list[int] = []
    position = 0
    for key in keys:
        starts.append(position)
        position += len(key) + 1
    line = " ".join(keys)
    index = {start: i for i, start in enumerate(starts)}
    out: list[Token] = []
    done = 0
    for match in pattern.finditer(line):
        first = index.get(match.start())
        if first is None or first < done or match.end() == match.start():
            continue
        last = first + match.group(0).count(" ") + 1
        words = match.expand(replacement).split()
        out.extend(tokens[done:first])
        span = tokens[first:last]
        colon = ":" if span[-1].colon else ""  # a colon ends a header ("… assigned to me:")
        out.extend(
            Token(w + (colon if n == len(words) - 1 else ""), span[0].start, span[-1].end, norm=w)
            for n, w in enumerate(words)
        )
        done = last
    if not out and done == 0:
        return list(tokens)
    out.extend(tokens[done:])
    return out


def _trim(tokens: list[Token]) -> list[Token]:
    start, end = 0, len(tokens)
    while start < end - 1 and tokens[start].key in _OPENERS:
        if tokens[start].key in _SHOW and _TICKETISH.fullmatch(tokens[start + 1].key):
            break  # "show 18420": the verb makes the bare number a ticket
        start += 1
    while end - 1 > start and tokens[end - 1].key in _CLOSERS:
        end -= 1
    while end - 1 > start and tokens[end - 1].key == "" and not tokens[end - 1].quoted:
        end -= 1
    kept = tokens[start:end]
    if len(kept) == 1 and kept[0].key in _OPENERS:
        return []
    return kept


def normalize(tokens: Sequence[Token]) -> tuple[Token, ...]:
    """The tokens with typos and shorthand corrected, phrases made canonical and the openers and
    closers that carry no meaning removed."""
    words = [_word(token, i) for i, token in enumerate(tokens)]
    words = [token for token in words if token.quoted or token.key not in {"", "\x00"}]
    line = _line(words)
    for pattern, replacement in _COMPILED:
        if pattern.search(line) is not None:  # rebuild the words only where a phrase occurs
            words = _phrase(words, pattern, replacement)
            line = _line(words)
    return tuple(_trim(words))
