#!/usr/bin/python3
"""Conformance of the Condensa kernel: jupyter_kernel_test.KernelTests plus the
protocol checks of ../shared/tools/conformance_template.py (adapted here), plus
checks of the Lua session itself (state survives errors and interrupts, both
interrupt modes, rich output, option errors).

Run through meson (suite 'conformance'), or by hand:

    /usr/bin/python3 tests/conformance/test_kernel.py BUILD_DIR -v
    /usr/bin/python3 tests/conformance/test_kernel.py BUILD_DIR -v KernelConformance.test_heartbeat

The kernelspec built in BUILD_DIR/kernel/kernelspec/condensa is copied into a
temporary JUPYTER_PATH, so nothing needs to be installed. Samples (the
attributes jupyter_kernel_test reads) come from samples_lua.json beside this file.
"""
import atexit
import os
import shutil
import signal
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _prepare_kernelspec():
    """Copies the built kernelspec into a temporary JUPYTER_PATH (before jupyter imports)."""
    build = os.environ.get("CZ_BUILD_DIR")
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-") and os.path.isdir(sys.argv[1]):
        build = sys.argv.pop(1)
    if not build:
        sys.exit("usage: test_kernel.py BUILD_DIR [unittest args] (or set CZ_BUILD_DIR)")
    spec = os.path.join(build, "kernel", "kernelspec", "condensa")
    if not os.path.isfile(os.path.join(spec, "kernel.json")):
        sys.exit(f"no kernelspec at {spec}: build first (meson compile -C {build})")
    root = tempfile.mkdtemp(prefix="condensa-jupyter-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    shutil.copytree(spec, os.path.join(root, "kernels", "condensa"))
    os.environ["JUPYTER_PATH"] = root
    os.environ["JKT_KERNEL"] = "condensa"
    os.environ.setdefault("JKT_SAMPLES", os.path.join(HERE, "samples_lua.json"))


_prepare_kernelspec()

import base64
import json
import os
import re
import sys
import time
import unittest
import uuid
from queue import Empty

import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

import jupyter_kernel_test as jkt
from jupyter_kernel_test.msgspec_v5 import msg_structure_validator, schema_fragments, validate_message

KERNEL = os.environ.get("JKT_KERNEL", "condensa")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")   # quiets ipykernel's debugpy warning
TIMEOUT = float(os.environ.get("JKT_TIMEOUT", "15"))

# Built-in sample profiles, keyed by kernelspec name. Add one for your kernel or use JKT_SAMPLES.
PROFILES = {
    "python3": dict(
        language_name="python",
        file_extension=".py",
        code_hello_world="print('hello, world')",
        code_stderr="import sys; print('test', file=sys.stderr)",
        completion_samples=[{"text": "zi", "matches": ["zip"]}],
        complete_code_samples=["1", "print('hello, world')", "def f(x):\n  return x*2\n\n\n"],
        incomplete_code_samples=["print('''hello", "def f(x):\n  x*2"],
        invalid_code_samples=["import = 7q"],
        code_page_something="zip?",
        code_generate_error="raise",
        code_execute_result=[
            {"code": "1+2+3", "result": "6"},
            {"code": "[n*n for n in range(1, 4)]", "result": "[1, 4, 9]"},
        ],
        code_display_data=[
            {"code": "from IPython.display import HTML, display; display(HTML('<b>test</b>'))",
             "mime": "text/html"},
            {"code": "from IPython.display import Markdown, display; display(Markdown('*x*'))",
             "mime": "text/markdown"},
            {"code": "import base64; from IPython.display import Image, display; "
                     "display(Image(data=base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='), format='png'))",
             "mime": "image/png"},
        ],
        code_history_pattern="1?2*",
        supported_history_operations=("tail", "search"),   # ipykernel fails jkt's "range" check
        code_inspect_sample="zip",
        code_clear_output="from IPython.display import clear_output; clear_output()",
        code_noop="pass",
        code_long_running="import time; time.sleep(60)",
        code_input={"code": "print('got:' + input('name? '))", "value": "jkt-typed"},
        code_update_display={
            "code": "from IPython.display import display, update_display\n"
                    "display({'text/plain': 'v1'}, raw=True, display_id='jkt-d1')\n"
                    "update_display({'text/plain': 'v2'}, raw=True, display_id='jkt-d1')",
            "mime": "text/plain"},
        test_interrupt_message=True,
        strict_interrupt_reply=False,   # ipykernel 6.17 answers interrupt_reply with content {} (no status)
        strict_silent=False,            # ipykernel still publishes print() output when silent=True
    ),
}

DEFAULTS = dict(
    code_noop="", code_long_running="", code_input=None, code_update_display=None,
    test_interrupt_message=False, strict_interrupt_reply=True, require_text_plain=True,
    check_replay=True, strict_silent=True,
)


def _load_samples():
    attrs = dict(DEFAULTS)
    attrs.update(PROFILES.get(KERNEL, {}))
    path = os.environ.get("JKT_SAMPLES")
    if path:
        with open(path, encoding="utf-8") as f:
            attrs.update(json.load(f))
    attrs["kernel_name"] = KERNEL
    return attrs


def _validate(msg, msg_type=None, parent_id=None):
    """validate_message(), extended to what jupyter_kernel_test's schema does not know:
    status='aborted' replies (what ipykernel sends for requests dropped after an error) and
    message types without a schema fragment (comm_open/comm_msg/comm_close, debug_event, ...)."""
    mt = msg_type or msg["header"]["msg_type"]
    if msg["header"]["msg_type"] != mt:
        raise AssertionError(f"message type {msg['header']['msg_type']!r} != {mt!r}")
    if parent_id and mt.endswith("_reply") and msg["parent_header"].get("msg_id") != parent_id:
        raise AssertionError("parent_header.msg_id does not match the request")
    if mt not in schema_fragments or msg["content"].get("status") == "aborted":
        msg_structure_validator.validate(msg)
        return
    validate_message(msg, mt, parent_id)


def _version_tuple(s):
    m = re.match(r"(\d+)\.(\d+)", s or "")
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


class ProtocolChecks:
    """Mixin with checks beyond jupyter_kernel_test. Uses self.km / self.kc from KernelTests."""

    # ---- helpers -------------------------------------------------------------------------
    def _shell_reply(self, msg_id, timeout=TIMEOUT, get=None):
        get = get or self.kc.get_shell_msg          # blocking getters; channel.get_msg is async in 7.x
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"no reply to {msg_id} within {timeout}s")
            try:
                msg = get(timeout=left)
            except Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                _validate(msg, None, msg_id)
                return msg

    def _iopub_for(self, msg_id, timeout=TIMEOUT):
        """All iopub messages whose parent is msg_id, from busy through idle (inclusive)."""
        deadline = time.monotonic() + timeout
        msgs = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"no idle status for {msg_id} within {timeout}s; got "
                          f"{[m['msg_type'] for m in msgs]}")
            try:
                msg = self.kc.get_iopub_msg(timeout=left)
            except Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            _validate(msg, msg["msg_type"], msg_id)
            msgs.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        types = [m["msg_type"] for m in msgs]
        self.assertEqual(types[0], "status", f"first iopub message must be status busy: {types}")
        self.assertEqual(msgs[0]["content"]["execution_state"], "busy")
        return msgs

    def _execute(self, code, timeout=TIMEOUT, **kw):
        msg_id = self.kc.execute(code, **kw)
        reply = self._shell_reply(msg_id, timeout)
        self.assertEqual(reply["msg_type"], "execute_reply")
        return reply, self._iopub_for(msg_id, timeout)

    def _need(self, *names):
        for n in names:
            if not getattr(self, n, None):
                raise unittest.SkipTest(f"sample attribute {n} not set")

    # ---- kernel_info -----------------------------------------------------------------------
    def test_kernel_info_details(self):
        self.flush_channels()
        msg_id = self.kc.kernel_info()
        reply = self._shell_reply(msg_id)
        c = reply["content"]
        self.assertEqual(c["status"], "ok")
        self.assertGreaterEqual(_version_tuple(c["protocol_version"]), (5, 3),
                                "protocol_version should be >= 5.3 (interrupt_request, ...)")
        self.assertEqual(_version_tuple(reply["header"]["version"])[0], 5)
        li = c["language_info"]
        for key in ("name", "version", "mimetype", "file_extension"):
            self.assertIsInstance(li.get(key), str, f"language_info.{key} missing")
        self.assertTrue(li["file_extension"].startswith("."))
        for key in ("implementation", "implementation_version", "banner"):
            self.assertIsInstance(c.get(key), str, f"{key} missing")
        # busy/idle must wrap *every* request (jupyter_client.wait_for_ready relies on it)
        states = [m["content"]["execution_state"] for m in self._iopub_for(msg_id)]
        self.assertEqual(states, ["busy", "idle"])

    # ---- execution semantics -----------------------------------------------------------------
    def test_execution_count_and_ordering(self):
        self._need("code_noop")
        self.flush_channels()
        r1, io1 = self._execute(self.code_noop)
        self.assertEqual(r1["content"]["status"], "ok")
        n1 = r1["content"]["execution_count"]
        types = [m["msg_type"] for m in io1]
        self.assertIn("execute_input", types)
        ei = io1[types.index("execute_input")]
        self.assertEqual(ei["content"]["code"], self.code_noop)
        self.assertEqual(ei["content"]["execution_count"], n1)
        r2, _ = self._execute(self.code_noop)
        self.assertEqual(r2["content"]["execution_count"], n1 + 1, "store_history=True must increment")
        # silent: no execute_input/execute_result (spec: no iopub output at all), counter unchanged
        r3, io3 = self._execute(self.code_hello_world or self.code_noop, silent=True)
        types3 = [m["msg_type"] for m in io3]
        self.assertNotIn("execute_input", types3)
        self.assertNotIn("execute_result", types3)
        if self.strict_silent:
            self.assertEqual(types3, ["status", "status"], "silent=True must not broadcast output")
        self.assertEqual(r3["content"]["execution_count"], n1 + 1, "silent must not increment")
        # store_history=False: counter unchanged, next stored execution continues the sequence
        r4, _ = self._execute(self.code_noop, store_history=False)
        self.assertEqual(r4["content"]["execution_count"], n1 + 1)
        r5, _ = self._execute(self.code_noop)
        self.assertEqual(r5["content"]["execution_count"], n1 + 2)
        # all kernel messages carry one kernel session id
        self.assertEqual(r1["header"]["session"], r5["header"]["session"])

    def test_output_ordering(self):
        self._need("code_hello_world")
        self.flush_channels()
        _, io = self._execute(self.code_hello_world)
        types = [m["msg_type"] for m in io]
        self.assertEqual(types[-1], "status")
        self.assertLess(types.index("execute_input"), types.index("stream"),
                        f"execute_input must precede outputs: {types}")

    def test_error_reply_fields(self):
        self._need("code_generate_error")
        self.flush_channels()
        reply, io = self._execute(self.code_generate_error)
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertIsInstance(c.get("execution_count"), int, "execute_reply always has execution_count")
        for key in ("ename", "evalue"):
            self.assertIsInstance(c[key], str)
        self.assertIsInstance(c["traceback"], list)
        errs = [m for m in io if m["msg_type"] == "error"]
        self.assertEqual(len(errs), 1)
        self.assertEqual(errs[0]["content"]["ename"], c["ename"])

    def test_stop_on_error_aborts_queue(self):
        self._need("code_generate_error", "code_noop")
        self.flush_channels()
        bad = self.kc.execute(self.code_generate_error, stop_on_error=True)
        queued = self.kc.execute(self.code_noop)          # sent before the first one finishes
        self.assertEqual(self._shell_reply(bad)["content"]["status"], "error")
        r = self._shell_reply(queued)
        self.assertIn(r["content"]["status"], ("aborted", "error"),
                      "a request queued behind a failing stop_on_error cell must not run")
        time.sleep(0.5)
        self.flush_channels()
        r, _ = self._execute(self.code_noop)               # queue resumes afterwards
        self.assertEqual(r["content"]["status"], "ok")

    # ---- rich output -------------------------------------------------------------------------
    def test_rich_mime_bundles(self):
        samples = list(self.code_display_data or []) + list(self.code_execute_result or [])
        if not samples:
            raise unittest.SkipTest("no display samples")
        for sample in samples:
            with self.subTest(code=sample["code"]):
                self.flush_channels()
                reply, io = self._execute(sample["code"])
                self.assertEqual(reply["content"]["status"], "ok")
                bundles = [m for m in io if m["msg_type"] in ("display_data", "execute_result")]
                self.assertTrue(bundles)
                for m in bundles:
                    data = m["content"]["data"]
                    self.assertIsInstance(m["content"]["metadata"], dict)
                    if self.require_text_plain:
                        self.assertIn("text/plain", data, "always include a text/plain fallback")
                    if m["msg_type"] == "execute_result":
                        self.assertEqual(m["content"]["execution_count"],
                                         reply["content"]["execution_count"])
                    for mime, value in data.items():
                        if mime.startswith("image/") and mime != "image/svg+xml":
                            raw = base64.b64decode(value, validate=False)
                            if mime == "image/png":
                                self.assertTrue(raw.startswith(b"\x89PNG\r\n\x1a\n"),
                                                "image/png must be base64 of PNG bytes")
                        elif mime.startswith("text/"):
                            self.assertIsInstance(value, str, f"{mime} must be a string")

    def test_update_display_data(self):
        self._need("code_update_display")
        sample = self.code_update_display
        self.flush_channels()
        reply, io = self._execute(sample["code"])
        self.assertEqual(reply["content"]["status"], "ok")
        disp = [m for m in io if m["msg_type"] == "display_data"
                and m["content"].get("transient", {}).get("display_id")]
        upd = [m for m in io if m["msg_type"] == "update_display_data"]
        self.assertTrue(disp, "display_data with transient.display_id expected")
        self.assertTrue(upd, "update_display_data expected")
        did = disp[0]["content"]["transient"]["display_id"]
        self.assertEqual(upd[0]["content"]["transient"]["display_id"], did)
        self.assertIn(sample["mime"], upd[0]["content"]["data"])

    # ---- stdin -------------------------------------------------------------------------------
    def test_stdin_input_request(self):
        self._need("code_input")
        sample = self.code_input
        self.flush_channels()
        msg_id = self.kc.execute(sample["code"], allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        # not validate_message(): jupyter_kernel_test's schema wrongly types 'password' as a number
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["parent_header"]["msg_id"], msg_id)
        self.assertIsInstance(req["content"]["prompt"], str)
        self.assertIsInstance(req["content"]["password"], bool)
        self.kc.input(sample["value"])
        reply = self._shell_reply(msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        out = "".join(m["content"]["text"] for m in self._iopub_for(msg_id)
                      if m["msg_type"] == "stream")
        self.assertIn(sample["value"], out)

    def test_stdin_not_allowed(self):
        self._need("code_input")
        self.flush_channels()
        msg_id = self.kc.execute(self.code_input["code"], allow_stdin=False)
        reply = self._shell_reply(msg_id)           # must not hang waiting for input
        self.assertIn(reply["content"]["status"], ("ok", "error"))
        with self.assertRaises(Empty, msg="input_request sent although allow_stdin=False"):
            self.kc.get_stdin_msg(timeout=0.5)

    # ---- interrupt ---------------------------------------------------------------------------
    def _start_long_cell(self):
        self._need("code_long_running")
        self.flush_channels()
        msg_id = self.kc.execute(self.code_long_running)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:              # wait until it is really running
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
                break
        time.sleep(0.5)
        return msg_id

    def _after_interrupt(self, msg_id, t0):
        reply = self._shell_reply(msg_id, timeout=10)
        took = time.monotonic() - t0
        self.assertEqual(reply["content"]["status"], "error", "interrupted cell replies status=error")
        self.assertLess(took, 5.0, f"interrupt took {took:.1f}s")
        if getattr(self, "code_noop", ""):
            time.sleep(0.3)
            self.flush_channels()
            r, _ = self._execute(self.code_noop)
            self.assertEqual(r["content"]["status"], "ok", "kernel must survive an interrupt")

    def test_interrupt_kernelspec_mode(self):
        msg_id = self._start_long_cell()
        t0 = time.monotonic()
        self.km.interrupt_kernel()      # SIGINT or interrupt_request, per kernel.json interrupt_mode
        self._after_interrupt(msg_id, t0)

    def test_interrupt_request_message(self):
        if not (self.test_interrupt_message or self.km.kernel_spec.interrupt_mode == "message"):
            raise unittest.SkipTest("kernel uses interrupt_mode=signal")
        msg_id = self._start_long_cell()
        t0 = time.monotonic()
        req = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(req)
        rep = self.kc.get_control_msg(timeout=TIMEOUT)
        self.assertEqual(rep["msg_type"], "interrupt_reply")
        self.assertEqual(rep["parent_header"]["msg_id"], req["header"]["msg_id"])
        if self.strict_interrupt_reply:
            self.assertEqual(rep["content"].get("status"), "ok")
        self._after_interrupt(msg_id, t0)

    # ---- comms ---------------------------------------------------------------------------------
    def test_comm_info(self):
        self.flush_channels()
        for kw in ({}, {"target_name": "jkt.none"}):
            msg_id = self.kc.comm_info(**kw)
            reply = self._shell_reply(msg_id)
            self.assertEqual(reply["msg_type"], "comm_info_reply")
            self.assertEqual(reply["content"]["status"], "ok")
            self.assertIsInstance(reply["content"]["comms"], dict)
            if kw:
                self.assertEqual(reply["content"]["comms"], {})

    def test_comm_open_unknown_target(self):
        self.flush_channels()
        comm_id = uuid.uuid4().hex
        msg = self.kc.session.msg("comm_open", {"comm_id": comm_id,
                                                "target_name": "jkt.no-such-target", "data": {}})
        self.kc.shell_channel.send(msg)
        io = self._iopub_for(msg["header"]["msg_id"])
        closes = [m for m in io if m["msg_type"] == "comm_close"]
        self.assertTrue(closes, "spec: unknown target_name -> kernel replies with comm_close")
        self.assertEqual(closes[0]["content"]["comm_id"], comm_id)

    # ---- sockets and authentication ------------------------------------------------------------
    def _addr(self, port_key):
        ci = self.km.get_connection_info()
        if ci["transport"] == "ipc":
            return f"ipc://{ci['ip']}-{ci[port_key]}"
        return f"tcp://{ci['ip']}:{ci[port_key]}"

    def test_heartbeat(self):
        ctx = zmq.Context.instance()
        s = ctx.socket(zmq.REQ)
        s.linger = 0
        s.connect(self._addr("hb_port"))
        try:
            payload = b"ping-" + uuid.uuid4().hex.encode()
            s.send(payload)
            self.assertTrue(s.poll(5000), "no heartbeat echo within 5 s")
            self.assertEqual(s.recv(), payload, "hb must echo the bytes unchanged")
        finally:
            s.close()

    def _raw_shell(self):
        s = zmq.Context.instance().socket(zmq.DEALER)
        s.linger = 0
        s.connect(self._addr("shell_port"))
        time.sleep(0.2)
        return s

    def _expect_silence(self, sock, seconds=1.5):
        if sock.poll(int(seconds * 1000)):
            frames = sock.recv_multipart()
            self.fail(f"kernel answered a message it should have rejected: {frames[:4]}")

    def _expect_reply(self, sock, session):
        self.assertTrue(sock.poll(int(TIMEOUT * 1000)), "no reply to a correctly signed request")
        _, frames = session.feed_identities(sock.recv_multipart())
        return session.deserialize(frames)

    def test_rejects_bad_and_missing_signatures(self):
        ci = self.km.get_connection_info()
        if not ci["key"]:
            raise unittest.SkipTest("kernel started without a key")
        good = Session(key=ci["key"], signature_scheme=ci["signature_scheme"])
        sock = self._raw_shell()
        try:
            Session(key=b"not-the-key").send(sock, "kernel_info_request", {})
            self._expect_silence(sock)
            Session(key=b"").send(sock, "kernel_info_request", {})   # empty signature frame
            self._expect_silence(sock)
            # tampered content with an otherwise valid signature
            msg = good.msg("kernel_info_request", {})
            parts = good.serialize(msg)          # [DELIM, sig, header, parent, metadata, content]
            parts[5] = b'{"x": 1}'
            sock.send_multipart(parts)
            self._expect_silence(sock)
            good.send(sock, "kernel_info_request", {})
            reply = self._expect_reply(sock, good)
            self.assertEqual(reply["msg_type"], "kernel_info_reply")
        finally:
            sock.close()
        self.flush_channels()

    def test_rejects_replayed_message(self):
        if not self.check_replay:
            raise unittest.SkipTest("check_replay disabled")
        ci = self.km.get_connection_info()
        good = Session(key=ci["key"], signature_scheme=ci["signature_scheme"])
        sock = self._raw_shell()
        try:
            parts = good.serialize(good.msg("kernel_info_request", {}))
            sock.send_multipart(parts)
            self._expect_reply(sock, good)
            sock.send_multipart(parts)                # byte-identical replay
            self._expect_silence(sock)
        finally:
            sock.close()
        self.flush_channels()

    # ---- completion bounds ------------------------------------------------------------------
    def test_completion_cursor_range(self):
        self._need("completion_samples")
        for sample in self.completion_samples:
            text = sample["text"]
            reply = self._shell_reply(self.kc.complete(text))
            c = reply["content"]
            self.assertTrue(0 <= c["cursor_start"] <= c["cursor_end"] <= len(text), c)


# Build the concrete test class from the samples (attributes are read by KernelTests).
KernelConformance = type("KernelConformance", (ProtocolChecks, jkt.KernelTests), _load_samples())


class ShutdownConformance(unittest.TestCase):
    """Own kernel: shutdown_request on control -> shutdown_reply, then the process exits."""

    def test_shutdown_on_control(self):
        km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=60)
        try:
            msg_id = kc.shutdown(restart=False)
            rep = kc.get_control_msg(timeout=TIMEOUT)
            _validate(rep, "shutdown_reply", msg_id)
            self.assertEqual(rep["content"]["status"], "ok")
            self.assertIs(rep["content"]["restart"], False)
            deadline = time.monotonic() + 10
            while km.is_alive() and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertFalse(km.is_alive(), "kernel process still alive 10 s after shutdown_reply")
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)
            else:
                km.cleanup_resources()


class StartupChecks(unittest.TestCase):
    """The binary started by hand, as a Jupyter client would with a port-0 file."""

    def kernel_argv(self):
        with open(os.path.join(os.environ["JUPYTER_PATH"], "kernels", "condensa", "kernel.json")) as f:
            return json.load(f)["argv"]

    def test_free_ports_are_written_back_and_served(self):
        import subprocess
        d = tempfile.mkdtemp(prefix="condensa-conn-")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        path = os.path.join(d, "kernel.json")
        info = {"shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0, "hb_port": 0,
                "ip": "127.0.0.1", "key": uuid.uuid4().hex, "transport": "tcp",
                "signature_scheme": "hmac-sha256"}
        with open(path, "w") as f:
            json.dump(info, f)
        argv = [a.replace("{connection_file}", path) for a in self.kernel_argv()]
        proc = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
        self.addCleanup(proc.kill)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(path) as f:
                text = f.read()
            if text and json.loads(text)["shell_port"] != 0:
                break
            time.sleep(0.05)
        written = json.loads(text)
        self.assertTrue(all(written[k] > 0 for k in ("shell_port", "iopub_port", "stdin_port",
                                                     "control_port", "hb_port")), written)
        self.assertEqual(written["key"], info["key"])
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        session = Session(key=info["key"].encode(), signature_scheme="hmac-sha256")
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(f"tcp://127.0.0.1:{written['shell_port']}")
        session.send(sock, "kernel_info_request", {})
        self.assertTrue(sock.poll(10000), "no kernel_info_reply on the written shell port")
        _, frames = session.feed_identities(sock.recv_multipart())
        self.assertEqual(session.deserialize(frames)["msg_type"], "kernel_info_reply")
        sock.close()
        proc.terminate()   # SIGTERM: a clean, prompt exit
        self.assertEqual(proc.wait(timeout=10), 0)

    def test_empty_key_is_refused(self):
        import subprocess
        d = tempfile.mkdtemp(prefix="condensa-conn-")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        path = os.path.join(d, "kernel.json")
        with open(path, "w") as f:
            json.dump({"shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0,
                       "hb_port": 0, "ip": "127.0.0.1", "key": ""}, f)
        argv = [a.replace("{connection_file}", path) for a in self.kernel_argv()]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--insecure-no-key", r.stderr)


class LuaSessionChecks(unittest.TestCase):
    """The Lua session behind the protocol: one kernel for these checks."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def run_cell(self, code, timeout=TIMEOUT, **kw):
        outputs = []
        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append, **kw)
        return reply["content"], [m for m in outputs if m["msg_type"] != "status"]

    def result_text(self, code):
        content, outs = self.run_cell(code)
        self.assertEqual(content["status"], "ok", content)
        results = [m["content"]["data"]["text/plain"] for m in outs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1, outs)
        return results[0]

    def start_loop(self, code):
        msg_id = self.kc.execute(code)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
                break
        time.sleep(0.5)
        return msg_id

    def wait_reply(self, msg_id, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.kc.get_shell_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        self.fail("no reply")

    def test_state_survives_an_error(self):
        self.run_cell("kept = 41")
        content, outs = self.run_cell("kept = kept + 1; error('boom')")
        self.assertEqual(content["status"], "error")
        self.assertEqual(self.result_text("kept"), "42")

    def test_interrupt_request_stops_a_busy_loop_and_keeps_state(self):
        self.run_cell("before = 'still here'; n = 0")
        msg_id = self.start_loop("while true do n = n + 1 end")
        t0 = time.monotonic()
        req = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(req)
        rep = self.kc.get_control_msg(timeout=TIMEOUT)
        self.assertEqual(rep["content"]["status"], "ok")
        content = self.wait_reply(msg_id)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "KeyboardInterrupt")
        self.assertEqual(self.result_text("before"), "still here")
        self.assertEqual(self.result_text("n > 0"), "true")

    def test_sigint_stops_a_busy_loop_inside_pcall(self):
        # a pcall in the user's loop must not swallow the interrupt for good
        msg_id = self.start_loop("while true do pcall(function() for i = 1, 1e6 do end end) end")
        os.kill(self.km.provisioner.pid, signal.SIGINT)
        content = self.wait_reply(msg_id)
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "KeyboardInterrupt")
        self.assertEqual(self.result_text("1 + 1"), "2")

    def test_sigint_while_idle_is_harmless(self):
        os.kill(self.km.provisioner.pid, signal.SIGINT)
        time.sleep(0.3)
        self.assertEqual(self.result_text("'alive'"), "alive")

    def test_interrupt_ends_a_pending_input(self):
        msg_id = self.kc.execute("x = io.read()", allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.kc.control_channel.send(self.kc.session.msg("interrupt_request", {}))
        content = self.wait_reply(msg_id)
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "KeyboardInterrupt")

    def test_password_prompt(self):
        msg_id = self.kc.execute("secret = input('passphrase: ', {password = true})", allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertIs(req["content"]["password"], True)
        self.assertEqual(req["content"]["prompt"], "passphrase: ")
        self.kc.input("hunter2")
        self.assertEqual(self.wait_reply(msg_id)["status"], "ok")
        self.assertEqual(self.result_text("secret"), "hunter2")

    def test_unknown_option_lists_known_ones(self):
        content, outs = self.run_cell("display.chart({1, 2}, {titel = 'x'})")
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "ValueError")
        self.assertIn('did you mean "title"', content["evalue"])
        self.assertIn("known options:", content["evalue"])

    def test_rich_object_with_mime_metamethod(self):
        content, outs = self.run_cell(
            "setmetatable({}, {__mime = function() return {['text/html'] = '<i>rich</i>'} end,"
            " __tostring = function() return 'plain twin' end})")
        self.assertEqual(content["status"], "ok")
        data = [m for m in outs if m["msg_type"] == "execute_result"][0]["content"]["data"]
        self.assertEqual(data["text/html"], "<i>rich</i>")
        self.assertEqual(data["text/plain"], "plain twin")

    def test_progress_updates_in_place(self):
        content, outs = self.run_cell(
            "local bar = display.progress(3, {label = 'steps'})\n"
            "for i = 1, 3 do bar:update(i, {loss = 1 / i}) end\nbar:done()")
        self.assertEqual(content["status"], "ok")
        first = [m for m in outs if m["msg_type"] == "display_data"]
        updates = [m for m in outs if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(first), 1)
        self.assertGreaterEqual(len(updates), 1, "done() always sends the final state")
        did = first[0]["content"]["transient"]["display_id"]
        self.assertTrue(all(u["content"]["transient"]["display_id"] == did for u in updates))
        self.assertIn("3/3", updates[-1]["content"]["data"]["text/plain"])

    def test_output_is_batched(self):
        content, outs = self.run_cell("for i = 1, 100 do print(i) end")
        streams = [m for m in outs if m["msg_type"] == "stream"]
        self.assertLessEqual(len(streams), 3, "100 prints should arrive in a few stream messages")
        self.assertEqual("".join(m["content"]["text"] for m in streams).count("\n"), 100)

    def test_dc_backend_and_threads(self):
        self.assertIn(self.result_text("dc.backend().name"), ("cpu", "cuda"))
        self.assertEqual(self.result_text("dc.threads(1)"), "1")
        content, _ = self.run_cell("dc.backend('no-such-backend')")
        self.assertEqual(content["status"], "error")
        self.assertIn("no-such-backend", content["evalue"])

    def test_sandbox(self):
        self.assertEqual(self.result_text("os.execute == nil and io.popen == nil"), "true")
        content, _ = self.run_cell("os.exit(1)")
        self.assertEqual(content["status"], "error")
        self.assertEqual(self.result_text("'still alive'"), "still alive")


if __name__ == "__main__":
    print(f"conformance: kernel={KERNEL} samples={os.environ.get('JKT_SAMPLES') or 'built-in'} "
          f"python={sys.executable}", file=sys.stderr)
    unittest.main()
