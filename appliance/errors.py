"""The product's small error vocabulary.

UserError carries a message meant for the person who caused it: the CLI
prints it as one line and exits non-zero; the web layer shows it as a 400
page or problem details. Anything else that escapes is a fault: it is logged
with its traceback and the user sees a plain 500 page.
"""


class PortalError(Exception):
    """Base class of the product's own errors."""


class UserError(PortalError):
    """Bad input from a person or a partner; the message says what to do.

    `members` are extra fields for API problem details (RFC 9457 extension
    members), such as the list of bad parameters."""

    def __init__(self, message: str = "", members: dict | None = None) -> None:
        super().__init__(message)
        self.members = members or {}


class NotFoundError(UserError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class ConflictError(UserError):
    """The request clashes with what is stored (duplicate name, stale edit)."""


class ForbiddenError(PortalError):
    """The person is known but may not do this. Not a UserError: nothing in
    the input can be corrected to make it allowed."""
