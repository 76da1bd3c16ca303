"""Tiny client for the bmsemu remote test API (JSON-RPC 2.0, one JSON object per line over TCP).

Standard library only. See HIL/remote-api.md for the methods.

    with BmsemuProcess.start("/path/to/bmsemu", paused=True) as emu:
        client = emu.client()
        client.call("sim.step", seconds=5)
        print(client.read("bms.state"))
"""

import itertools
import json
import re
import socket
import subprocess
import threading
import time


class RpcError(Exception):
    """A JSON-RPC error object returned by the server."""

    def __init__(self, error):
        self.code = error.get("code")
        self.message = error.get("message", "")
        self.data = error.get("data")
        super().__init__(f"{self.code}: {self.message}")


class BmsemuClient:
    """One connection to `bmsemu run --rpc-port N`."""

    def __init__(self, host="127.0.0.1", port=0, timeout=60.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.stream = self.sock.makefile("rwb")
        self.ids = itertools.count(1)

    def close(self):
        self.stream.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_line(self, line):
        """Sends one raw line and returns the decoded response (for testing malformed requests)."""
        self.stream.write(line if isinstance(line, bytes) else line.encode())
        self.stream.write(b"\n")
        self.stream.flush()
        reply = self.stream.readline()
        if not reply:
            raise ConnectionError("bmsemu closed the connection")
        return json.loads(reply)

    def call(self, method, **params):
        """Calls `method` with named params; returns the result or raises RpcError."""
        request = {"jsonrpc": "2.0", "id": next(self.ids), "method": method}
        if params:
            request["params"] = params
        reply = self.send_line(json.dumps(request, separators=(",", ":")))
        if "error" in reply:
            raise RpcError(reply["error"])
        return reply["result"]

    def read(self, name):
        return self.call("var.read", name=name)["value"]

    def write(self, name, value):
        return self.call("var.write", name=name, value=value)["value"]

    def step(self, seconds):
        return self.call("sim.step", seconds=seconds)


class BmsemuProcess:
    """`bmsemu run --can virtual --rpc-port 0` as a child process; the port is read from its first line."""

    READY = re.compile(r"rpc: listening on ([0-9.]+):(\d+)")

    def __init__(self, process, host, port, output):
        self.process = process
        self.host = host
        self.port = port
        self.output = output

    @classmethod
    def start(cls, binary, paused=True, speed="max", extra=(), timeout=60.0):
        args = [binary, "run", "--can", "virtual", "--rpc-port", "0", "--speed", speed, "--quiet"]
        if paused:
            args.append("--paused")
        process = subprocess.Popen(list(args) + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = []
        ready = threading.Event()
        found = {}

        def drain():
            for line in process.stdout:
                output.append(line)
                match = cls.READY.search(line)
                if match and not ready.is_set():
                    found["address"] = (match.group(1), int(match.group(2)))
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if time.monotonic() > deadline:
                process.kill()
                raise TimeoutError("bmsemu did not start listening:\n" + "".join(output))
        if "address" not in found:
            process.wait(5)
            raise RuntimeError(f"bmsemu exited with {process.returncode} before listening:\n" + "".join(output))
        host, port = found["address"]
        return cls(process, host, port, output)

    def client(self):
        return BmsemuClient(self.host, self.port)

    def stop(self, timeout=30.0):
        if self.process.poll() is None:
            try:
                with self.client() as client:
                    client.call("sim.stop")
            except (OSError, RpcError):
                self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
