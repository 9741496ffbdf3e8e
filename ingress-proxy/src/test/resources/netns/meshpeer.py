#!/usr/bin/python3
"""Backends and a client driver for the routing mesh's namespace tests.

server NAME BIND PORT [proxy|peer]
    A line echo server that holds thousands of connections cheaply (asyncio). Each line is answered
    "NAME line". With "proxy", every connection must start with a PROXY protocol v2 header
    (IPv4, PROXY command); it is parsed here and answered "NAME proxy SRC SPORT DST DPORT" first.
    With "peer", every connection is first answered "NAME peer IP PORT": the address the socket
    itself sees the connection coming from (no header involved).
    Prints "LISTENING" once bound.

client
    Reads commands on stdin, one per line, and answers on stdout (every answer ends with a line
    naming the command in the past tense, so the test knows it is complete):
      hold N HOST PORT             open N idle connections          -> HELD ok=N failed=K
      release                      close them                       -> RELEASED
      open N HOST PORT             N sessions, each sends "hello"   -> OPEN i <reply> ... OPENED
      ping                         one more line on every session   -> PING i ok|fail ... PINGED
      loop N HOST PORT PAUSE_AT    N requests, each on a fresh connection; after PAUSE_AT of them
                                   print PAUSED and wait for a "continue" line
                                                                    -> LOOP k ok <reply> <ms> | LOOP k fail <why> ... LOOPED
      trickle K HOST PORT MS       K connections sending one byte every MS ms, in the background
      trickled                     bytes the trickling connections have sent so far
                                                                    -> TRICKLING K
      stop                         stop trickling                   -> STOPPED sent=B open=K
      proxy HOST PORT              one session; its own address and the first reply
                                                                    -> PROXIED LOCAL_IP LOCAL_PORT <reply>
      quit
"""

import asyncio
import resource
import socket
import struct
import sys
import threading
import time

PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def parse_proxy_v2(head, body):
    if head[:12] != PROXY_V2_SIGNATURE:
        raise ValueError("no PROXY v2 signature: %r" % head[:12])
    version_command, family = head[12], head[13]
    if version_command != 0x21:
        raise ValueError("expected version 2 / PROXY (0x21), got 0x%02x" % version_command)
    if family != 0x11:
        raise ValueError("expected TCP over IPv4 (0x11), got 0x%02x" % family)
    src, dst = socket.inet_ntoa(body[0:4]), socket.inet_ntoa(body[4:8])
    sport, dport = struct.unpack("!HH", body[8:12])
    return src, sport, dst, dport


async def serve(name, bind, port, proxy, peer=False):
    async def handle(reader, writer):
        try:
            if peer:
                ip, sport = writer.get_extra_info("peername")[:2]
                writer.write(("%s peer %s %d\n" % (name, ip, sport)).encode())
                await writer.drain()
            if proxy:
                head = await reader.readexactly(16)
                length = struct.unpack("!H", head[14:16])[0]
                body = await reader.readexactly(length)
                src, sport, dst, dport = parse_proxy_v2(head, body)
                writer.write(("%s proxy %s %d %s %d\n" % (name, src, sport, dst, dport)).encode())
                await writer.drain()
            while True:
                line = await reader.readline()
                if not line:
                    break
                writer.write(("%s %s\n" % (name, line.decode(errors="replace").strip())).encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as e:
            print("connection failed: %s" % e, flush=True)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, bind, port, backlog=8192, reuse_address=True)
    print("LISTENING", flush=True)
    async with server:
        await server.serve_forever()


def read_line(sock, timeout=3.0):
    sock.settimeout(timeout)
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed after %d bytes" % len(data))
        data += chunk
    return data.decode().strip()


def connect(host, port, timeout=3.0):
    return socket.create_connection((host, int(port)), timeout=timeout)


class Trickle:
    def __init__(self, count, host, port, interval_ms):
        self.socks = [connect(host, port) for _ in range(count)]
        self.interval = interval_ms / 1000.0
        self.sent = 0
        self.alive = set(range(count))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopped.wait(self.interval):
            for i in list(self.alive):
                try:
                    self.socks[i].send(b"x")
                    self.sent += 1
                except OSError:
                    self.alive.discard(i)

    def stop(self):
        self.stopped.set()
        self.thread.join()
        for s in self.socks:
            s.close()
        return self.sent, len(self.alive)


def client():
    out = lambda *words: print(*words, flush=True)
    held, sessions, trickle = [], [], None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        command = words[0]
        if command == "hold":
            n, host, port = int(words[1]), words[2], int(words[3])
            failed = 0
            for _ in range(n):
                try:
                    held.append(connect(host, port, timeout=10.0))
                except OSError:
                    failed += 1
            out("HELD ok=%d failed=%d" % (len(held), failed))
        elif command == "release":
            for s in held:
                s.close()
            held = []
            out("RELEASED")
        elif command == "open":
            n, host, port = int(words[1]), words[2], int(words[3])
            for i in range(n):
                s = connect(host, port)
                s.sendall(b"hello\n")
                sessions.append(s)
                out("OPEN", i, read_line(s))
            out("OPENED")
        elif command == "ping":
            for i, s in enumerate(sessions):
                try:
                    s.sendall(b"again\n")
                    out("PING", i, "ok", read_line(s))
                except OSError as e:
                    out("PING", i, "fail", type(e).__name__)
            out("PINGED")
        elif command == "loop":
            n, host, port, pause_at = int(words[1]), words[2], int(words[3]), int(words[4])
            for k in range(n):
                if k == pause_at:
                    out("PAUSED")
                    sys.stdin.readline()
                start = time.monotonic()
                try:
                    with connect(host, port) as s:
                        s.sendall(b"req %d\n" % k)
                        reply = read_line(s)
                    out("LOOP", k, "ok", reply.split()[0], int((time.monotonic() - start) * 1000))
                except OSError as e:
                    out("LOOP", k, "fail", type(e).__name__)
            out("LOOPED")
        elif command == "trickle":
            trickle = Trickle(int(words[1]), words[2], int(words[3]), int(words[4]))
            out("TRICKLING", len(trickle.socks))
        elif command == "trickled":
            out("TRICKLED sent=%d" % trickle.sent)
        elif command == "stop":
            sent, alive = trickle.stop()
            out("STOPPED sent=%d open=%d" % (sent, alive))
        elif command == "proxy":
            with connect(words[1], int(words[2])) as s:
                ip, port = s.getsockname()
                out("PROXIED", ip, port, read_line(s))
        elif command == "quit":
            break
        else:
            out("ERROR unknown command", command)


if __name__ == "__main__":
    raise_fd_limit()
    if sys.argv[1] == "server":
        mode = sys.argv[5] if len(sys.argv) > 5 else ""
        asyncio.run(serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), mode == "proxy", mode == "peer"))
    elif sys.argv[1] == "client":
        client()
    else:
        sys.exit("usage: meshpeer.py server NAME BIND PORT [proxy|peer] | client")
