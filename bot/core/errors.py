"""Errors whose message is meant for the person who asked."""


class UserError(Exception):
    """Bad input or nothing found: the message is shown to the user as it is."""


class ImportRejected(UserError):
    """An import that was refused as a whole; `problems` lists every reason, row by row."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "".join(f"\n- {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            detail += f"\n- ... and {more} more"
        super().__init__(message + detail)
