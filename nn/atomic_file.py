"""Write a file atomically, and reclaim the temporary files of writers that were killed.

``atomic_write(path, write, who)`` writes through a temporary file beside the target,
named ``.<name>.<pid>.<random>.tmp``, held under an exclusive ``flock`` while it is
written, then fsynced and renamed over the target. A writer killed mid-write (kill -9,
power loss) cannot remove its temporary file, so every write first removes the stale
temporary files of the same target: those whose process is gone, or whose lock nobody
holds any more (a reused pid). A live writer's file is never touched.

The target's permissions are kept when it exists; a new file gets ``0o666`` less the
umask, as ``open()`` would give it. A symbolic link is followed: its target is replaced
and the link stays. Errors name the path and the caller (``who``).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: no flock; stale files are told by their pid alone
    fcntl = None  # type: ignore[assignment]

__all__ = ["atomic_write", "stale_temporaries", "temporary_prefix"]

MAX_PREFIX = 120  # of the target's name in the temporary name: 255-byte names still fit
UNLOCKED_GRACE_S = 1.0  # an unlocked file this young may be a writer between create and lock


def temporary_prefix(path: str) -> str:
    """The start of every temporary file name for ``path`` (in the same directory)."""
    return f".{os.path.basename(path)[:MAX_PREFIX]}."


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or a platform that cannot say: keep it
    return True


def _unlocked(name: str) -> bool:
    """True if nobody holds the lock of the file ``name`` (so its writer is gone)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(name, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    else:
        return True
    finally:
        os.close(fd)  # closing releases the lock


def stale_temporaries(path: str) -> list[str]:
    """The temporary files of ``path`` left by writers that no longer run."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = temporary_prefix(path)
    stale = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for entry in names:
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid_text = entry[len(prefix):-len(".tmp")].split(".")[0]
        if not pid_text.isdigit():
            continue
        name = os.path.join(directory, entry)
        if int(pid_text) == os.getpid():
            continue  # this process's own writer (another thread) is alive by definition
        if not _pid_alive(int(pid_text)):
            stale.append(name)
            continue
        try:
            old = time.time() - os.stat(name).st_mtime > UNLOCKED_GRACE_S
        except OSError:
            continue
        if old and _unlocked(name):  # the pid was reused, and the old writer is gone
            stale.append(name)
    return stale


def _new_file_mode() -> int:
    """``0o666`` less the process's umask (read without changing it where possible)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, then put it back
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str, write: Callable[[IO[bytes]], None], who: str) -> None:
    """Write ``path`` atomically: ``write(f)`` fills a temporary file that replaces it.

    Raises FileNotFoundError when the directory is missing and OSError (naming ``who``
    and ``path``) when the write fails; the previous file is then left intact and no
    temporary file of this write remains.
    """
    if os.path.islink(path):
        path = os.path.realpath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{who}: directory {directory!r} of {path!r} does not exist")
    for name in stale_temporaries(path):
        try:
            os.unlink(name)
        except OSError:
            pass  # another writer reclaimed it first
    tmp = os.path.join(directory, f"{temporary_prefix(path)}{os.getpid()}."
                                  f"{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise OSError(error.errno, f"{who}: cannot write to {directory!r} "
                                   f"({error.strerror}); {path!r} is unchanged") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            write(f)
            f.flush()
            os.fsync(f.fileno())
            mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else _new_file_mode()
            os.chmod(tmp, mode)
            os.replace(tmp, path)  # under the lock: the file is never unlocked and in place
    except BaseException as error:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(error, OSError):  # OSError(errno, ...) keeps the subclass (ENOSPC...)
            reason = error.strerror or str(error)
            raise OSError(error.errno, f"{who}: writing {path!r} failed ({reason}); "
                                       "the previous file is unchanged") from error
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Make the rename durable (best effort: not every OS can open a directory)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
