"""Versioned on-disk stores: a build never touches the graph that readers see.

Layout of a store root (``data/store``)::

    data/store/
      .lock                 build lock (fcntl.flock); holds the builder's pid
      CURRENT_VERSION       "7": the published version, replaced atomically
      versions/
        7/                  a complete RocksDB store, never written once published
        7.lease             readers hold a shared flock on it while 7 is open
        .build-8/           a build in progress (abandoned if its builder dies)
        .trash-6/           an old version being deleted

A build (:func:`begin_build`) takes the exclusive build lock, copies the
current version into ``versions/.build-<n>`` (RocksDB checkpoint: hard links
to the immutable table files, so it is cheap), yields a writable store on the
copy, and on a clean exit closes it, renames it ``versions/<n>`` and points
``CURRENT_VERSION`` at it with one ``os.replace``. Whatever happens before
that rename-and-replace (an exception, SIGKILL, a power cut) leaves the
previous version current and untouched; the next build removes the debris.

Readers (:func:`open_current`) open the version ``CURRENT_VERSION`` names,
read-only, under a shared lease, so they see the old graph or the new one,
never half of one, and a version is only deleted once no reader holds it.
RocksDB documents read-only opening while another process writes the same
folder as undefined behaviour; here no process ever writes a folder that a
reader can open.

The pointer is ``CURRENT_VERSION``, not ``CURRENT``, because RocksDB keeps a
file named ``CURRENT`` in every store folder: a root from before versioning
(a plain RocksDB folder) has one, and distinct names keep the two layouts
from being confused. Such a legacy root still opens read-only as it is, and
the first :func:`begin_build` migrates it into ``versions/1``.

Everything here imports only the standard library at module level (pyoxigraph
and :mod:`graph.store` are imported where used): the query worker that
:mod:`graph.store` starts for isolated queries (``python -m graph.storage
--query-worker``) must start in tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.store import OxigraphStore

__all__ = [
    "POINTER",
    "BuildLocked",
    "begin_build",
    "build_lock",
    "collect_garbage",
    "current_path",
    "current_version",
    "hold_current",
    "is_legacy",
    "is_versioned",
    "open_current",
    "version_id",
    "version_path",
    "version_tag",
]

#: The file naming the published version (see the module docstring for the name).
POINTER = "CURRENT_VERSION"
LOCK_FILE = ".lock"
VERSIONS = "versions"
#: The file in each published version that holds an identifier no other version has (a
#: random UUID): numbers start again at 1 when a store is deleted and built anew, and what
#: the app kept beside an old version 1 must not be taken for the new one's.
VERSION_ID = "ipkg-version-id"
_STAGING_PREFIX = ".build-"
_VERSION_DIR = re.compile(r"^(\d+)$")
_STAGING_DIR = re.compile(r"^\.build-(\d+)$")
_TRASH_DIR = re.compile(r"^\.trash-(\d+)$")
_LEASE_FILE = re.compile(r"^(\d+)\.lease$")
#: Files RocksDB writes into a store folder (to recognise and clean a legacy root).
_ROCKSDB_FILE = re.compile(
    r"^(CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+(\.dbtmp)?|\d+\.(sst|log|blob)"
    r"|\d+\.dbtmp)$"
)


class BuildLocked(TimeoutError):  # noqa: N818 - reads as a state, like QueryTimeout
    """Another build holds the store's build lock and the wait timed out."""


# --------------------------------------------------------------------------- inherited locks
#
# A flock belongs to the open file, and a forked child shares its parent's open
# files. The pipeline forks its workers while the build lock is held (and the app
# forks them while it holds a reader's lease); if the parent is killed, workers
# that live on would hold the lock for ever and every later build would wait.
# So forked children close these descriptors at once: the lock stays with the
# process that took it, and dies with it.

_HELD_FDS: set[int] = set()


def _close_held_in_child() -> None:
    for fd in list(_HELD_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_FDS.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


# --------------------------------------------------------------------------- fault injection


def _checkpoint(name: str) -> None:
    """A named step of a build; does nothing.

    Tests replace it (in a child process) to kill the build at exactly this
    step: ``copied``, ``built``, ``closed``, ``renamed``, ``published``.
    """


# --------------------------------------------------------------------------- layout


def version_path(root: str | Path, version: int) -> Path:
    """The folder of published version ``version`` under ``root``."""
    return Path(root) / VERSIONS / str(version)


def version_id(root: str | Path, version: int) -> str | None:
    """The identifier of published version ``version`` (None for one published before identifiers)."""
    try:
        return (version_path(root, version) / VERSION_ID).read_text("ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def version_tag(root: str | Path, version: int) -> str:
    """``7.1f0c9a…`` (the number and the start of the identifier), or ``7`` for a version without one.

    What names a version everywhere something read from it is kept or cached.
    """
    ident = version_id(root, version)
    return f"{version}.{ident[:12]}" if ident else str(version)


def current_version(root: str | Path) -> int | None:
    """The published version of the store at ``root``, or None when nothing is published."""
    try:
        text = (Path(root) / POINTER).read_text("ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except UnicodeDecodeError:
        text = ""
    if not text.isdigit():
        # Only written by os.replace of a complete file, so this is damage, not a race.
        raise _store_error(f"{Path(root) / POINTER} is damaged: {text[:40]!r} is not a version number")
    return int(text)


def current_path(root: str | Path) -> Path | None:
    """The folder of the published version (for ``oxigraph serve-read-only``), or None.

    For a legacy root (a plain RocksDB folder) this is the root itself. The
    folder can be removed by a later build once no reader holds a lease on
    it: long-lived readers should use :func:`hold_current` or :func:`open_current`.
    """
    root = Path(root)
    if is_legacy(root):
        return root
    version = current_version(root)
    return None if version is None else version_path(root, version)


def is_versioned(root: str | Path) -> bool:
    """True when ``root`` uses the versioned layout (a pointer or a ``versions`` folder)."""
    root = Path(root)
    return (root / POINTER).is_file() or (root / VERSIONS).is_dir()


def is_legacy(root: str | Path) -> bool:
    """True when ``root`` is a plain RocksDB store folder from before versioning."""
    root = Path(root)
    return not (root / POINTER).is_file() and (root / "CURRENT").is_file() and any(root.glob("MANIFEST-*"))


def _store_error(message: str) -> Exception:
    from graph.store import StoreError

    return StoreError(message)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    """Flush every file of a folder to disk (a published version must survive a power cut)."""
    for item in path.iterdir():
        if item.is_file():
            fd = os.open(item, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(path)


def _write_pointer(root: Path, version: int) -> None:
    """Point ``CURRENT_VERSION`` at ``version``: write a temporary file, fsync, rename."""
    tmp = root / f".{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(f"{version}\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / POINTER)
    _fsync_dir(root)


def _numbers(root: Path) -> list[int]:
    """Every version number in use under ``root`` (published, staging or leased)."""
    found = []
    folder = root / VERSIONS
    if folder.is_dir():
        for item in folder.iterdir():
            m = (_VERSION_DIR.match(item.name) or _STAGING_DIR.match(item.name)
                 or _TRASH_DIR.match(item.name) or _LEASE_FILE.match(item.name))
            if m:
                found.append(int(m.group(1)))
    current = current_version(root)
    if current is not None:
        found.append(current)
    return found


# --------------------------------------------------------------------------- build lock


@contextlib.contextmanager
def build_lock(
    root: str | Path,
    *,
    wait_s: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the exclusive build lock of ``root`` (``root/.lock``, ``fcntl.flock``).

    The lock belongs to the open file, so it is released when the holder
    exits, however it exits (SIGKILL included): a dead build never blocks
    the next one.

    Args:
        root: the store root (created when missing).
        wait_s: give up after this many seconds; None waits as long as it takes.
        on_wait: called once with a message when the lock is busy (default:
            the message goes to stderr).

    Raises:
        BuildLocked: the lock was still held after ``wait_s`` seconds.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_FILE
    fh: IO[str] = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held across the yield
    _HELD_FDS.add(fh.fileno())
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(path)
            message = (f"waiting for another build of {root} to finish"
                       f"{f' (pid {holder})' if holder else ''}"
                       f"{f', for at most {wait_s:g} s' if wait_s is not None else ''} …")
            (on_wait or _to_stderr)(message)
            _wait_for_lock(fh, path, root, wait_s)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        _HELD_FDS.discard(fh.fileno())
        fh.close()  # closing the file releases the flock


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _lock_holder(path: Path) -> str:
    try:
        text = path.read_text("utf-8").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


def _wait_for_lock(fh: IO[str], path: Path, root: Path, wait_s: float | None) -> None:
    if wait_s is None:
        fcntl.flock(fh, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _lock_holder(path)
                raise BuildLocked(
                    f"another build of {root}{f' (pid {holder})' if holder else ''} still holds "
                    f"{path} after {wait_s:g} s; try again when it has finished"
                ) from None
            time.sleep(0.05)


# --------------------------------------------------------------------------- leases (readers)


class _Lease:
    """A shared flock on ``versions/<n>.lease``: version ``n`` is not deleted while held."""

    def __init__(self, fd: int | None, version: int | None, path: Path) -> None:
        self.fd = fd
        self.version = version
        self.path = path

    def release(self) -> None:
        """Drop the lease (idempotent)."""
        if self.fd is not None:
            _HELD_FDS.discard(self.fd)
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


def _open_lease_file(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError:  # a reader without write access to the store folder
        try:
            return os.open(path, os.O_RDONLY)
        except OSError:
            return None
    except FileNotFoundError:
        return None


def _acquire_lease(root: Path) -> _Lease:
    """Lease the current version: read the pointer, lock its lease, check it still exists."""
    if is_legacy(root):
        return _Lease(None, None, root)
    for _attempt in range(100):
        version = current_version(root)
        if version is None:
            raise _store_error(f"{root}: no graph has been built here yet (no {POINTER})")
        folder = version_path(root, version)
        fd = _open_lease_file(folder.with_name(f"{version}.lease"))
        if fd is not None:
            _HELD_FDS.add(fd)
            fcntl.flock(fd, fcntl.LOCK_SH)
        # The collector deletes a folder only under an exclusive lock on its lease,
        # so a folder that exists now stays until this lease is released.
        if folder.is_dir():
            return _Lease(fd, version, folder)
        if fd is not None:
            _HELD_FDS.discard(fd)
            os.close(fd)
        time.sleep(0.01)  # a build published a newer version meanwhile: read the pointer again
    raise _store_error(f"{root}: the current version keeps disappearing; is something deleting it?")


@contextlib.contextmanager
def hold_current(root: str | Path) -> Iterator[tuple[int | None, Path]]:
    """Lease the current version for the duration of the block; yields (version, folder).

    For readers that are not :class:`~graph.store.OxigraphStore` (``oxigraph
    serve-read-only --location <folder>``). The version is None for a legacy root.

    Raises:
        StoreError: nothing has been built in ``root`` yet.
    """
    lease = _acquire_lease(Path(root))
    try:
        yield lease.version, lease.path
    finally:
        lease.release()


def open_current(
    root: str | Path, *, read_only: bool = True, timeout_s: float | None = None
) -> OxigraphStore:
    """Open the published version of ``root`` for reading.

    The store holds a lease on its version until ``close()``; its ``version``
    attribute tells which version it is (None for a legacy root), so a
    long-lived reader can compare it with :func:`current_version` and reopen
    when a build has published a newer one.

    Args:
        root: the store root.
        read_only: must be True: published versions are never written (use
            :func:`begin_build` to change the graph).
        timeout_s: default time limit for queries.

    Raises:
        ValueError: ``read_only`` is False.
        StoreError: nothing has been built yet, or the version cannot be opened.
    """
    from graph.store import OxigraphStore

    if not read_only:
        raise ValueError("published versions are read-only; write through graph.storage.begin_build")
    root = Path(root)
    lease = _acquire_lease(root)
    try:
        store = OxigraphStore(lease.path, read_only=True, timeout_s=timeout_s, on_close=lease.release)
    except BaseException:
        lease.release()
        raise
    store.version = lease.version
    return store


# --------------------------------------------------------------------------- garbage collection


def collect_garbage(root: str | Path) -> list[str]:
    """Remove abandoned builds, unreferenced versions and leftover legacy files.

    Call only while holding :func:`build_lock` (``begin_build`` does): then no
    build is running, so every staging folder is debris of a dead one. A
    version other than the current one is removed only when no reader holds
    its lease.

    Returns:
        The names of what was removed.
    """
    root = Path(root)
    removed: list[str] = []
    current = current_version(root)
    folder = root / VERSIONS
    if folder.is_dir():
        for item in sorted(folder.iterdir()):
            if _STAGING_DIR.match(item.name) or _TRASH_DIR.match(item.name):
                shutil.rmtree(item, ignore_errors=True)
                removed.append(item.name)
                continue
            m = _VERSION_DIR.match(item.name)
            if m and int(m.group(1)) != current and _remove_unleased(item):
                removed.append(item.name)
        for item in sorted(folder.iterdir()):  # leases of versions that are gone
            m = _LEASE_FILE.match(item.name)
            if m and int(m.group(1)) != current and not (folder / m.group(1)).exists():
                _remove_unleased(folder / m.group(1))
    if current is not None:
        # RocksDB files of a migrated legacy root, left when a migration was cut short.
        for item in root.iterdir():
            if item.is_file() and _ROCKSDB_FILE.match(item.name):
                with contextlib.suppress(OSError):
                    item.unlink()
                    removed.append(item.name)
        for item in root.glob(f".{POINTER}.*.tmp"):
            with contextlib.suppress(OSError):
                item.unlink()
    return removed


def _remove_unleased(folder: Path) -> bool:
    """Delete a version folder and its lease file unless a reader holds the lease."""
    lease = folder.with_name(f"{folder.name}.lease")
    fd = _open_lease_file(lease)
    if fd is None:
        return False
    trash = folder.with_name(f".trash-{folder.name}")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a reader has it open
        existed = folder.exists()
        if existed:
            # Renamed (atomic) under the lock, deleted after it: a reader waiting for
            # the lease finds the name gone and moves on, and a collector killed
            # halfway leaves no half-deleted folder under a version's name.
            os.rename(folder, trash)
        with contextlib.suppress(OSError):
            lease.unlink()
    finally:
        os.close(fd)
    shutil.rmtree(trash, ignore_errors=True)
    return existed


# --------------------------------------------------------------------------- migration


def _migrate_legacy(root: Path) -> None:
    """Turn a plain RocksDB root into ``versions/1`` (call under the build lock).

    The legacy files stay until the pointer is written, so a migration cut
    short leaves the legacy store as it was; the next build starts over.
    """
    import pyoxigraph as ox

    (root / VERSIONS).mkdir(exist_ok=True)
    staging = root / VERSIONS / f"{_STAGING_PREFIX}1"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        legacy = ox.Store.read_only(str(root))
        legacy.backup(str(staging))
        del legacy
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _store_error(f"cannot migrate the store at {root} to the versioned layout: {exc}") from exc
    _fsync_tree(staging)
    os.rename(staging, version_path(root, 1))
    _fsync_dir(root / VERSIONS)
    _write_pointer(root, 1)
    collect_garbage(root)  # now the root's own RocksDB files are debris


# --------------------------------------------------------------------------- builds


@contextlib.contextmanager
def begin_build(
    root: str | Path,
    *,
    wait_s: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    timeout_s: float | None = None,
) -> Iterator[OxigraphStore]:
    """Build a new version of the store at ``root``; publish it only on a clean exit.

    Usage::

        with begin_build("data/store") as store:
            build(inputs, store)          # graph.pipeline.build
        # here the new version is current; readers that reopen see it

    Builds are serialised by :func:`build_lock`: a second build waits (saying
    so through ``on_wait``) and then starts from the first one's result.

    Args:
        root: the store root (created when missing; a legacy root is migrated).
        wait_s: how long to wait for another build; None waits as long as it takes.
        on_wait: receives the "waiting for another build" message (default: stderr).
        timeout_s: default query time limit of the yielded store.

    Yields:
        A writable :class:`~graph.store.OxigraphStore` holding a copy of the
        current graph (empty for the first build).

    Raises:
        BuildLocked: ``wait_s`` passed while another build held the lock.
        StoreError: the current version cannot be copied.
    """
    import gc

    import pyoxigraph as ox

    from graph.store import MAINTENANCE_FILE, OxigraphStore

    root = Path(root)
    with build_lock(root, wait_s=wait_s, on_wait=on_wait):
        if is_legacy(root):
            _migrate_legacy(root)
        collect_garbage(root)
        (root / VERSIONS).mkdir(exist_ok=True)
        current = current_version(root)
        number = max(_numbers(root), default=0) + 1
        staging = root / VERSIONS / f"{_STAGING_PREFIX}{number}"
        try:
            if current is not None:
                source = ox.Store.read_only(str(version_path(root, current)))
                source.backup(str(staging))
                del source
                # RocksDB's backup copies only its own files; the count of writes since
                # the last compaction (graph.store.MAINTENANCE_FILE) goes along.
                kept = version_path(root, current) / MAINTENANCE_FILE
                if kept.is_file():
                    shutil.copyfile(kept, staging / MAINTENANCE_FILE)
            _checkpoint("copied")
            # Nobody reads the copy before it is published whole, so it can take bulk (non-atomic) writes.
            store = OxigraphStore(staging, timeout_s=timeout_s, bulk_writes=True)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise _store_error(f"cannot start a build in {root}: {exc}") from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            yield store
            _checkpoint("built")
        except BaseException:
            store.close()
            gc.collect()
            shutil.rmtree(staging, ignore_errors=True)
            raise
        store.close()
        gc.collect()  # the RocksDB handle must be gone before its folder is renamed
        (staging / VERSION_ID).write_text(uuid.uuid4().hex, "ascii")
        _fsync_tree(staging)
        _checkpoint("closed")
        os.rename(staging, version_path(root, number))
        _fsync_dir(root / VERSIONS)
        _checkpoint("renamed")
        _write_pointer(root, number)
        _checkpoint("published")
        collect_garbage(root)


# --------------------------------------------------------------------------- isolated query worker
#
# graph.store runs a query "isolated" by starting this module as a child process
# (python -m graph.storage --query-worker FOLDER) and killing it at the deadline:
# pyoxigraph cannot cancel a query, and a runaway one would otherwise keep a core
# (and, with ORDER BY, ever more memory) until it ends. Protocol: one JSON request
# on stdin ({"query", "max_rows", "memory_mb"}); on stdout one JSON line per item:
# a header {"kind", "variables"|"boolean"}, then rows (lists of encoded terms) or
# triples, then {"end": true, "truncated": bool}; or {"error", "message"}.


def _encode_term(term: Any) -> Any:
    """A pyoxigraph term as JSON: None, ["u", iri], ["b", id] or ["l", value, lang, datatype]."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ["u", term.value]
    if isinstance(term, ox.BlankNode):
        return ["b", term.value]
    if isinstance(term, ox.Literal):
        return ["l", term.value, term.language, term.datatype.value]
    raise TypeError(f"unsupported term {term!r}")


def _query_worker(folder: str, stdin: IO[str], stdout: IO[str]) -> int:
    """Run one query read from ``stdin`` against the store in ``folder``; stream the answer."""
    import resource

    import pyoxigraph as ox

    request = json.loads(stdin.read())
    memory_mb = request.get("memory_mb")
    if memory_mb:
        limit = int(memory_mb) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    max_rows = request.get("max_rows")

    def emit(obj: Any) -> None:
        stdout.write(json.dumps(obj, ensure_ascii=False))
        stdout.write("\n")

    try:
        store = ox.Store.read_only(folder)
        result = store.query(request["query"], use_default_graph_as_union=bool(request.get("union", True)))
        truncated = False
        if isinstance(result, ox.QueryBoolean):
            emit({"kind": "ask", "boolean": bool(result)})
        elif isinstance(result, ox.QueryTriples):
            emit({"kind": "graph"})
            for n, t in enumerate(result):
                if max_rows is not None and n >= max_rows:
                    truncated = True
                    break
                emit([_encode_term(t.subject), _encode_term(t.predicate), _encode_term(t.object)])
        else:
            variables = [v.value for v in result.variables]
            emit({"kind": "select", "variables": variables})
            for n, solution in enumerate(result):
                if max_rows is not None and n >= max_rows:
                    truncated = True
                    break
                emit([_encode_term(solution[i]) for i in range(len(variables))])
        emit({"end": True, "truncated": truncated})
    except SyntaxError as exc:
        emit({"error": "syntax", "message": str(exc)})
    except MemoryError:
        emit({"error": "memory", "message": f"the query needed more than {memory_mb} MB"})
    except (OSError, RuntimeError, ValueError) as exc:
        emit({"error": "store", "message": str(exc)})
    stdout.flush()
    return 0


def _main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--query-worker":
        return _query_worker(argv[1], sys.stdin, sys.stdout)
    print("usage: python -m graph.storage --query-worker STORE_FOLDER  (used by graph.store)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
