"""Where the service may connect: decided by the kernel, not by reading query text.

SPARQL lets a query or an update make the engine call any URL (``SERVICE``, ``LOAD``).
Refusing those by reading the request's text only works if the text is read exactly as the
engine reads it, which no separate lexer can promise (a no-break space inside an IRI was
enough to hide a ``SERVICE`` from the one this service had). So ``esskg serve`` puts the
server, and every process it forks (the query engine, parser workers), under a seccomp
filter installed before the first request is read:

* **No allow-listed host** (the default, on the embedded store): creating an Internet socket
  fails with ``EACCES``. Nothing the service does after start-up can open an outbound
  connection; the listening socket was bound before, and clients' connections arrive through
  ``accept``, which creates no socket of the process's own.
* **Allow-listed hosts** (``ESSKG_ALLOWED_SERVICE_HOSTS``, or a remote engine to talk to):
  Internet sockets may be created, but the kernel holds every ``connect`` and every send that
  names a destination until a supervisor process, started before the filter and so not under
  it, has read the destination from the caller's memory and compared it with the addresses
  of the allowed hosts (and of the DNS resolvers, port 53). Anything else fails with
  ``EACCES``.

``io_uring`` (which can connect without those system calls) and foreign system-call ABIs are
refused in both modes. The query-text check in ``service.sparql.safety`` stays, for a clear
403 before any work is done; it is no longer what keeps the service from connecting.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import ipaddress
import json
import os
import platform
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

_LIBC = ctypes.CDLL(None, use_errno=True)

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_FLAG_TSYNC = 1
_FLAG_NEW_LISTENER = 1 << 3

_RET_ALLOW = 0x7FFF0000
_RET_NOTIFY = 0x7FC00000
_RET_ERRNO = 0x00050000

_AF_UNSPEC, _AF_UNIX, _AF_INET, _AF_INET6, _AF_NETLINK = 0, 1, 2, 10, 16

#: The io_uring calls have the same numbers on every architecture (424 and after).
_IO_URING = (425, 426, 427)


class GuardUnavailable(RuntimeError):
    """This platform cannot enforce the guard (not Linux, an unknown CPU, no seccomp)."""


@dataclass(frozen=True)
class _Abi:
    audit_arch: int
    socket: int
    connect: int
    sendto: int
    sendmsg: int
    sendmmsg: int
    seccomp: int
    x32: bool  # x86-64 also accepts x32 calls (numbers with bit 30 set): refused


_ABIS = {
    "x86_64": _Abi(0xC000003E, 41, 42, 44, 46, 307, 317, True),
    "aarch64": _Abi(0xC00000B7, 198, 203, 206, 211, 269, 277, False),
}


# -- the filter ------------------------------------------------------------------------------


class _Sock_filter(ctypes.Structure):  # noqa: N801 - the kernel's name
    _fields_ = (
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint32),
    )


class _Sock_fprog(ctypes.Structure):  # noqa: N801
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Sock_filter)))


_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_NR, _ARCH = 0, 4


def _arg_low(i: int) -> int:
    return 16 + 8 * i  # seccomp_data.args[i], low word first (little-endian CPUs only)


class _Program:
    """A tiny BPF assembler: jumps name labels, resolved to relative offsets at the end."""

    def __init__(self) -> None:
        self._code: list[tuple[int, str | None, str | None, int]] = []
        self._labels: dict[str, int] = {}

    def load(self, offset: int) -> None:
        self._code.append((_LD_W_ABS, None, None, offset))

    def jump(self, op: int, k: int, true: str | None, false: str | None = None) -> None:
        self._code.append((op, true, false, k))

    def ret(self, k: int) -> None:
        self._code.append((_RET_K, None, None, k))

    def label(self, name: str) -> None:
        self._labels[name] = len(self._code)

    def assemble(self) -> ctypes.Array[_Sock_filter]:
        out = (_Sock_filter * len(self._code))()
        for i, (code, true, false, k) in enumerate(self._code):
            jt = self._labels[true] - i - 1 if true else 0
            jf = self._labels[false] - i - 1 if false else 0
            if not (0 <= jt < 256 and 0 <= jf < 256):
                raise AssertionError("BPF jump out of range")
            out[i] = _Sock_filter(code, jt, jf, k)
        return out


def _filter(abi: _Abi, *, supervised: bool) -> ctypes.Array[_Sock_filter]:
    """The policy of the module docstring, for one ABI."""
    p = _Program()
    p.load(_ARCH)
    p.jump(_JEQ_K, abi.audit_arch, None, "nosys")
    p.load(_NR)
    if abi.x32:
        p.jump(_JGE_K, 0x40000000, "nosys")
    for nr in _IO_URING:
        p.jump(_JEQ_K, nr, "nosys")
    p.jump(_JEQ_K, abi.socket, "socket")
    if supervised:
        for nr in (abi.connect, abi.sendmsg, abi.sendmmsg):
            p.jump(_JEQ_K, nr, "notify")
        p.jump(_JEQ_K, abi.sendto, "sendto")
    p.ret(_RET_ALLOW)

    p.label("socket")
    p.load(_arg_low(0))
    families = [_AF_UNIX, _AF_NETLINK] + ([_AF_INET, _AF_INET6] if supervised else [])
    for family in families:
        p.jump(_JEQ_K, family, "allow")
    p.ret(_RET_ERRNO | errno.EACCES)

    if supervised:  # sendto with a destination address (an unconnected datagram socket)
        p.label("sendto")
        p.load(_arg_low(4))
        p.jump(_JEQ_K, 0, None, "notify")
        p.load(_arg_low(4) + 4)
        p.jump(_JEQ_K, 0, "allow", "notify")
        p.label("notify")
        p.ret(_RET_NOTIFY)
    p.label("allow")
    p.ret(_RET_ALLOW)
    p.label("nosys")
    p.ret(_RET_ERRNO | errno.ENOSYS)
    return p.assemble()


def _abi() -> _Abi:
    abi = _ABIS.get(platform.machine())
    if sys.platform != "linux" or abi is None:
        raise GuardUnavailable(
            f"the network guard needs Linux on x86-64 or arm64, not {sys.platform} "
            f"on {platform.machine()}"
        )
    return abi


def _seccomp(abi: _Abi, flags: int, program: ctypes.Array[_Sock_filter]) -> int:
    fprog = _Sock_fprog(len(program), program)
    result = int(_LIBC.syscall(abi.seccomp, _SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(fprog)))
    if result < 0:
        code = ctypes.get_errno()
        raise GuardUnavailable(f"seccomp refused the filter: {os.strerror(code)}")
    return result


def _no_new_privileges() -> None:
    if _LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise GuardUnavailable(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")


# -- installing it ----------------------------------------------------------------------------


@dataclass
class Guard:
    """What :func:`protect` installed: the mode, and the supervisor when there is one."""

    allowed: tuple[str, ...]
    supervisor: subprocess.Popen[bytes] | None = None

    @property
    def mode(self) -> str:
        return "supervised" if self.supervisor is not None else "no-internet"


def hosts_of_urls(urls: Iterable[str | None]) -> list[str]:
    """``host:port`` of each URL (for the remote engine the service itself must reach)."""
    found = []
    for url in urls:
        if not url:
            continue
        parts = urlsplit(url)
        if parts.hostname:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            found.append(f"{host}:{port}")
    return found


def protect(allowed: Sequence[str]) -> Guard:
    """Put this process, its threads and everything it forks from now on under the guard.

    Call it once the listening socket is bound. With ``allowed`` empty no Internet socket can
    be created any more; otherwise connections are checked by a supervisor process.
    """
    abi = _abi()
    _no_new_privileges()
    if not allowed:
        _seccomp(abi, _FLAG_TSYNC, _filter(abi, supervised=False))
        return Guard(())
    return Guard(tuple(allowed), _start_supervised(abi, list(allowed)))


def _start_supervised(abi: _Abi, allowed: list[str]) -> subprocess.Popen[bytes]:
    """Start the supervisor, then filter every thread and hand it the filter's listener.

    The listener must reach the supervisor over a socket, and sending it is itself a
    ``sendmsg`` the filter would hold for a supervisor that does not have it yet: so it is
    sent by a thread started before the filter (the filter first covers only the thread
    installing it), which then ends; a second, empty filter installed with ``TSYNC`` then
    puts every thread of the process under the first one.
    """
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "service.netguard", str(theirs.fileno()), json.dumps(allowed)],
        stdin=subprocess.PIPE,
        pass_fds=(theirs.fileno(),),
    )
    theirs.close()
    listener: list[int] = []
    handed = threading.Event()
    failure: list[BaseException] = []

    def hand_over() -> None:
        handed.wait()
        try:
            socket.send_fds(ours, [b"L"], listener)
            if ours.recv(1) != b"K":
                raise GuardUnavailable("the network supervisor did not take the listener")
        except BaseException as exc:  # reported to the installing thread
            failure.append(exc)

    courier = threading.Thread(target=hand_over, name="netguard-courier")
    courier.start()
    try:
        listener.append(_seccomp(abi, _FLAG_NEW_LISTENER, _filter(abi, supervised=True)))
    finally:
        handed.set()
        courier.join()
    os.close(listener[0])
    ours.close()
    if failure:
        raise GuardUnavailable(f"cannot start the network supervisor: {failure[0]}")
    empty = _Program()
    empty.ret(_RET_ALLOW)
    _seccomp(abi, _FLAG_TSYNC, empty.assemble())
    return supervisor


def thread_states() -> dict[int, int]:
    """Seccomp mode of every thread of this process (2: filtered), for checks and tests."""
    states = {}
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/status") as status:
            for line in status:
                if line.startswith("Seccomp:"):
                    states[int(tid)] = int(line.split()[1])
    return states


# -- the supervisor ---------------------------------------------------------------------------

# struct seccomp_notif (80 bytes), seccomp_notif_resp (24 bytes) and the ioctls on them.
_NOTIF = struct.Struct("=QII iIQ6Q")
_RESP = struct.Struct("=QqiI")
_NOTIF_RECV = 0xC0502100
_NOTIF_SEND = 0xC0182101
_NOTIF_ID_VALID = 0x40082102
_FLAG_CONTINUE = 1
_MSGHDR_NAME = struct.Struct("=QI")  # msghdr.msg_name, msg_namelen
_MMSGHDR_SIZE = 64
_MAX_BATCH = 1024
_RESOLVE_TTL_S = 30.0


@dataclass(frozen=True)
class _Rule:
    host: str
    port: int | None  # None: any port


def _parse_allowed(entries: Iterable[str]) -> list[_Rule]:
    rules = []
    for entry in entries:
        entry = entry.strip().lower()
        if entry.startswith("["):  # [v6] or [v6]:port
            host, _, rest = entry[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else None
        elif entry.count(":") == 1:
            host, _, digits = entry.partition(":")
            port = int(digits)
        else:
            host, port = entry, None
        rules.append(_Rule(host, port))
    return rules


def _nameservers() -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    found: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
    try:
        with open("/etc/resolv.conf") as conf:
            for line in conf:
                words = line.split()
                if len(words) >= 2 and words[0] == "nameserver":
                    try:
                        found.add(ipaddress.ip_address(words[1].split("%")[0]))
                    except ValueError:
                        continue
    except OSError:
        pass
    return found


class _Policy:
    """Which (address, port) pairs the allowed hosts stand for, re-resolved now and then."""

    def __init__(self, entries: Iterable[str]) -> None:
        self._rules = _parse_allowed(entries)
        self._resolved: dict[str, tuple[float, set[str]]] = {}
        self._dns = _nameservers()

    def _addresses(self, host: str) -> set[str]:
        cached = self._resolved.get(host)
        if cached is not None and time.monotonic() - cached[0] < _RESOLVE_TTL_S:
            return cached[1]
        try:
            infos = socket.getaddrinfo(host, None)
            addresses = {str(ipaddress.ip_address(str(info[4][0]).split("%")[0])) for info in infos}
        except (OSError, ValueError):
            addresses = set()
        self._resolved[host] = (time.monotonic(), addresses)
        return addresses

    def allows(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> bool:
        if port == 53 and address in self._dns:
            return True
        text = str(address)
        return any(
            (rule.port is None or rule.port == port) and text in self._addresses(rule.host)
            for rule in self._rules
        )


def _destination(raw: bytes) -> tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    """(kind, address, port) of a ``struct sockaddr``; kind ``local`` needs no check."""
    if len(raw) < 2:
        return "bad", ipaddress.IPv4Address(0), 0
    (family,) = struct.unpack_from("=H", raw)
    if family in (_AF_UNSPEC, _AF_UNIX, _AF_NETLINK):
        return "local", ipaddress.IPv4Address(0), 0
    if family == _AF_INET and len(raw) >= 8:
        port = struct.unpack_from("!H", raw, 2)[0]
        return "inet", ipaddress.IPv4Address(raw[4:8]), port
    if family == _AF_INET6 and len(raw) >= 24:
        port = struct.unpack_from("!H", raw, 2)[0]
        v6 = ipaddress.IPv6Address(raw[8:24])
        return "inet", v6.ipv4_mapped or v6, port
    return "bad", ipaddress.IPv4Address(0), 0


class _Supervisor:
    def __init__(self, listener: int, policy: _Policy, abi: _Abi) -> None:
        self._listener = listener
        self._policy = policy
        self._abi = abi

    def _read(self, pid: int, address: int, size: int) -> bytes:
        fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
        try:
            return os.pread(fd, size, address)
        finally:
            os.close(fd)

    def _allowed_address(self, pid: int, address: int, size: int) -> bool:
        if address == 0:
            return True  # no destination: the socket's own (checked when it connected)
        kind, ip, port = _destination(self._read(pid, address, min(size, 128)))
        return kind == "local" or (kind == "inet" and self._policy.allows(ip, port))

    def decide(self, pid: int, nr: int, args: Sequence[int]) -> bool:
        abi = self._abi
        if nr == abi.connect:
            return self._allowed_address(pid, args[1], args[2])
        if nr == abi.sendto:
            return self._allowed_address(pid, args[4], args[5])
        if nr == abi.sendmsg:
            name, size = _MSGHDR_NAME.unpack(self._read(pid, args[1], _MSGHDR_NAME.size))
            return self._allowed_address(pid, name, size)
        if nr == abi.sendmmsg:
            count = args[2] & 0xFFFFFFFF
            if count > _MAX_BATCH:
                return False
            for i in range(count):
                at = args[1] + i * _MMSGHDR_SIZE
                name, size = _MSGHDR_NAME.unpack(self._read(pid, at, _MSGHDR_NAME.size))
                if not self._allowed_address(pid, name, size):
                    return False
            return True
        return False

    def handle_one(self) -> None:
        buffer = bytearray(_NOTIF.size)
        try:
            fcntl.ioctl(self._listener, _NOTIF_RECV, buffer, True)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.EINTR):
                return  # the caller went away before we read it
            raise
        ident, pid, _flags, nr, _arch, _ip, *args = _NOTIF.unpack(buffer)
        try:
            allowed = self.decide(pid, nr, args)
        except OSError:
            allowed = False  # its memory could not be read: refuse
        valid = bytearray(struct.pack("=Q", ident))
        try:
            fcntl.ioctl(self._listener, _NOTIF_ID_VALID, valid, True)
        except OSError:
            return  # the call is gone, or its process: nothing to answer
        if allowed:
            response = _RESP.pack(ident, 0, 0, _FLAG_CONTINUE)
        else:
            response = _RESP.pack(ident, 0, -errno.EACCES, 0)
        try:
            fcntl.ioctl(self._listener, _NOTIF_SEND, bytearray(response), True)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise


def _supervise(channel_fd: int, allowed: list[str]) -> int:
    """The supervisor's life: take the listener, answer until the server's pipe closes."""
    channel = socket.socket(fileno=channel_fd)
    _, fds, _, _ = socket.recv_fds(channel, 1, 1)
    if not fds:
        return 1
    channel.sendall(b"K")
    channel.close()
    supervisor = _Supervisor(fds[0], _Policy(allowed), _abi())
    poller = select.poll()
    poller.register(fds[0], select.POLLIN)
    poller.register(sys.stdin.fileno(), select.POLLIN | select.POLLHUP)
    while True:
        for fd, events in poller.poll():
            if fd == sys.stdin.fileno():
                if events & (select.POLLHUP | select.POLLERR) or not os.read(fd, 1):
                    return 0  # the server is gone
            elif events & select.POLLIN:
                supervisor.handle_one()
            elif events & (select.POLLHUP | select.POLLERR):
                return 0  # no process is left under the filter


if __name__ == "__main__":  # pragma: no cover - runs as the supervisor process
    sys.exit(_supervise(int(sys.argv[1]), json.loads(sys.argv[2])))
