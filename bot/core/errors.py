"""Errors whose message is meant for the person who asked."""


class UserError(Exception):
    """Bad input or nothing found: the message is shown to the user. `message` is the bot's
    own wording; each `{}` in it stands for one of `parts` (what a user, a file or a feed
    wrote), which the renderer shows as written, markdown escaped. `str()` is the plain text."""

    def __init__(self, message: str, *parts: object) -> None:
        self.template = message
        self.parts = tuple(str(p) for p in parts)
        super().__init__(message.format(*self.parts) if parts else message)


class ImportRejected(UserError):
    """An import that was refused as a whole; `problems` lists every reason, row by row. The
    message and the problems quote the file, so all of it is shown as written."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        shown = self.problems[:20]
        template = "{}" + "".join("\n- {}" for _ in shown)
        more = len(self.problems) - 20
        if more > 0:
            template += f"\n- ... and {more} more"
        super().__init__(template, message, *shown)


def channel_ref(channel_id: object) -> str:
    """A channel mention the bot makes, to build into a `UserError` template (as one of its
    parts it would be escaped and show as text); any brace in it is kept literal."""
    return f"<#{channel_id}>".replace("{", "{{").replace("}", "}}")
