"""The exception tree: each exception says what the caller must do.

HubError
 ├─ BerichtUnreadable  not XML, unsafe or not iJw: answer with an error report (rule `XML`), no retour
 ├─ TransientError     do not commit; retry with backoff, bounded
 ├─ ConfigError        refuse to start
 ├─ InputError         a path given to a command cannot be read: name it, send nothing
 └─ StartError         a part the hub starts itself (the embedded broker) will not run: say why, exit 1
"""


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class BerichtUnreadable(HubError):
    """The input is not a safe, well-formed iJw 3.2 message."""


class TransientError(HubError):
    """A dependency (broker, store) is unavailable for now."""


class ConfigError(HubError):
    """The configuration is unusable; the hub refuses to start."""


class InputError(HubError):
    """A file or directory given to a command does not exist or cannot be read."""


class StartError(HubError):
    """A part the hub starts on its own, such as the embedded Kafka broker, cannot be started here."""


def describe(exc: BaseException) -> str:
    """`Type: text` of an exception for a one-line message, without the repeat of libraries whose text has it."""
    name, text = type(exc).__name__, str(exc)
    return text if text.startswith(name) else f"{name}: {text}"
