"""Lambda Invoke for the local emulator: the deployed zip itself answers (hooked in by
aws_emulator.install(), like export_emulation.py).

moto 5.2.5 answers Invoke with a canned string (or runs a Docker image this machine does not have).
This module replaces `POST /2015-03-31/functions/NAME/invocations` with what Lambda does for an
OS-only runtime (provided.al2023, provided.al2):

  * authorization: the caller needs lambda:InvokeFunction on the function's ARN (qualified ARN
    when a qualifier is given) from its identity policies, and from the function's resource-based
    policy when the caller is in another account, with the emulator's own evaluator (strict IAM);
  * InvocationType RequestResponse (200 with the payload), Event (202 at once, the invocation runs
    in the background; what EventBridge Scheduler does) and DryRun (204 after the checks);
  * the execution environment: the uploaded zip unpacked into a directory of its own, its
    `bootstrap` started under the Lambda Runtime API of local/runtime_api.py with the function's
    environment variables plus what Lambda adds (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
    AWS_SESSION_TOKEN of the execution role, issued only when its trust policy allows
    lambda.amazonaws.com; AWS_REGION, AWS_DEFAULT_REGION, AWS_LAMBDA_FUNCTION_NAME / _MEMORY_SIZE /
    _VERSION, AWS_LAMBDA_LOG_GROUP_NAME / _LOG_STREAM_NAME, AWS_LAMBDA_LOG_FORMAT / _LOG_LEVEL from
    LoggingConfig, AWS_EXECUTION_ENV, LAMBDA_TASK_ROOT, _HANDLER, TZ) and ONE local addition,
    AWS_ENDPOINT_URL: this emulator's URL, which every AWS SDK reads for every service;
  * the function's timeout is the runtime deadline: past it the process is killed and the caller
    gets a function error `Sandbox.Timedout` (X-Amz-Function-Error: Unhandled), as from Lambda;
    a process that exits mid-invocation is `Runtime.ExitError`; a missing or non-executable
    bootstrap `Runtime.InvalidEntrypoint`; an init error the type the runtime posted;
  * memory: MemorySize is not enforced while the process runs (RLIMIT_AS counts reserved address
    space, which a Rust binary with a multi-threaded allocator exceeds long before it uses that
    much memory). The peak resident set (VmHWM) is reported as Max Memory Used in the REPORT line
    and by GET /_local/lambda/environments, and a process whose peak exceeded MemorySize is
    stopped after the invocation, which fails with `Runtime.OutOfMemory` as Lambda's would;
  * logs: every line the process writes on stdout/stderr goes into the function's CloudWatch log
    group (LoggingConfig.LogGroup, else /aws/lambda/NAME), one stream per execution environment,
    written with the execution role's permissions (logs:PutLogEvents on the stream; the group is
    created only if the role may logs:CreateLogGroup and it is missing), so the EMF metric lines
    can be read with FilterLogEvents / GetLogEvents. Lambda's own lines: START/END/REPORT in Text
    format; platform.start / platform.report records in JSON format when SystemLogLevel is INFO or
    DEBUG, and a failed invocation's platform.report whatever the level;
  * warm environments: one process per function version, reused by later invocations (one at a
    time: a second caller waits, where Lambda would start another environment) and replaced when
    the code or the configuration changes; every process is stopped with the emulator (atexit,
    which SIGTERM reaches through aws_emulator's handler).

Local API (aws_emulator.LocalApi routes /_local/lambda/environments here):
  GET /_local/lambda/environments    [{function, version, pid, started, invocations, memory_size_mb,
                                       max_memory_used_mb, log_group, log_stream}]

Known limits: one environment per function (no concurrency), no retries of failed Event
invocations and no destinations, no response streaming, no layers or extensions, OS-only
runtimes only (InvalidRuntimeException otherwise).
"""
from __future__ import annotations

import atexit
import base64
import datetime
import fcntl
import io
import json
import math
import os
import re
import shutil
import stat
import struct
import tempfile
import termios
import threading
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import unquote

try:  # imported as local.lambda_invoke
    from . import runtime_api
except ImportError:  # aws_emulator run as a script: local/ is on sys.path
    import runtime_api

EMU = None           # the aws_emulator module (install() sets it)
ENDPOINT: str | None = None  # this emulator's URL, the functions' AWS_ENDPOINT_URL (aws_emulator.main sets it)

SYNC_PAYLOAD_MAX = 6 * 1024 * 1024   # Lambda's request payload quotas
ASYNC_PAYLOAD_MAX = 1024 * 1024
INIT_TIMEOUT_S = 10.0                # Lambda's init phase limit for on-demand functions
CREDENTIALS_SECONDS = 43200
CREDENTIALS_MARGIN_S = 900           # start a fresh environment before its credentials run out
LOG_TAIL_BYTES = 4096                # X-Amz-Log-Result: the last 4 KB of the invocation's log
LOG_DELIVERY_S = 0.25                # how often lines written outside an invocation are delivered

_ROOT = None                         # temporary directory holding every unpacked zip
_LOCK = threading.Lock()
_ENVIRONMENTS: dict[tuple, "Environment"] = {}


class InvokeError(Exception):
    """An Invoke refused by the Lambda API itself (not a function error): status, code, message."""
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class StartFailed(Exception):
    """The environment could not start: the function error Lambda reports (errorType, message)."""
    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type, self.message = error_type, message


def _now_ms() -> int:
    return int(time.time() * 1000)


def _iso(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


# ---- the execution role's permissions (what Lambda does with them on the function's behalf) --

def _role_policies(role_arn: str) -> list:
    role = EMU._role_by_arn(role_arn)
    if role is None:
        return []
    return list(role.policies.values()) + [EMU._managed_policy_document(p) for p in role.managed_policies.values()]


def _role_allows(role_arn: str, action: str, resource: str) -> bool:
    decision, _ = EMU.evaluate(_role_policies(role_arn), action, resource, {})
    return decision == EMU.ALLOW


# ---- one execution environment --------------------------------------------------------------

def _unread_bytes(pipe) -> int:
    """Bytes written into a pipe and not yet read from it (0 once it is closed)."""
    try:
        return struct.unpack("i", fcntl.ioctl(pipe.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
    except (OSError, ValueError):
        return 0


class _Process(runtime_api.Function):
    """runtime_api's Function, invoked with the request id kept when the invocation times out."""

    def run(self, payload: bytes, timeout_s: float) -> tuple[runtime_api.Invocation, bool]:
        """(invocation, timed_out); on timeout the process is killed, as Lambda does."""
        with self._invoke_lock:
            inv = self.new_invocation(payload, timeout_s)
            self._current = inv
            self.enqueue(inv)
            finished = inv.done.wait(timeout_s)
            if not finished:
                self.stop(grace_s=0.2)
            self._current = None
        return inv, not finished

    def wait_for_next_poll(self, inv: runtime_api.Invocation, max_s: float) -> None:
        """Until the function asks for its next event: as in Lambda, what it writes up to then (the
        log line after its response, say) belongs to the invocation that just ended."""
        deadline = time.monotonic() + max_s
        state = self.server.state if self.server else None
        if state is None:
            return
        with state.lock:
            while state.polls <= inv.delivered_on_poll and not self.exited.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                state.polled.wait(min(left, 0.05))


class Environment:
    """One warm execution environment of one function version: its unpacked code, its process, the
    credentials Lambda handed it, and its log stream."""

    def __init__(self, fn, fingerprint: str, version: str):
        self.fn, self.fingerprint, self.version = fn, fingerprint, version
        self.name, self.account, self.region = fn.function_name, fn.account_id, fn.region
        self.arn = fn.function_arn
        self.memory_mb = int(fn.memory_size or 128)
        self.timeout_s = float(fn.timeout or 3)
        logging_config = getattr(fn, "logging_config", None) or {}
        self.log_format = logging_config.get("LogFormat", "Text")
        self.system_level = logging_config.get("SystemLogLevel", "INFO")
        self.log_group = logging_config.get("LogGroup") or f"/aws/lambda/{self.name}"
        self.log_stream = time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]" + uuid.uuid4().hex
        self.lock = threading.Lock()
        self.process: _Process | None = None
        self.task_dir: Path | None = None
        self.started = 0.0
        self.credentials_expire = 0.0
        self.invocations = 0
        self.init_ms: float | None = None
        self.log_mark = 0
        self.log_lock = threading.Lock()
        self.dead = False

    # ---- start ----
    def start(self) -> None:
        """Unpack, get the role's credentials, spawn `bootstrap` and wait for its first poll.
        Raises StartFailed (a function error) or InvokeError (an API error)."""
        if not str(self.fn.run_time or "").startswith("provided"):
            raise InvokeError(502, "InvalidRuntimeException",
                              f"The local emulator runs OS-only runtimes (provided.*), not {self.fn.run_time}")
        self.task_dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-", dir=_root()))
        try:
            _unpack(self.fn.code_bytes, self.task_dir)
        except zipfile.BadZipFile as e:
            raise InvokeError(502, "InvalidZipFileException", f"Lambda was unable to unzip the function code: {e}")
        bootstrap = self.task_dir / "bootstrap"
        if not bootstrap.is_file() or not os.access(bootstrap, os.X_OK):
            why = "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]" if not bootstrap.is_file() \
                else "fork/exec /var/task/bootstrap: permission denied"
            raise StartFailed("Runtime.InvalidEntrypoint", f"Error: {why}")
        try:
            creds = EMU.lambda_credentials(self.account, self.region, self.name, CREDENTIALS_SECONDS)
        except EMU.Rejected as r:
            raise InvokeError(400, "InvalidParameterValueException",
                              f"The role defined for the function cannot be assumed by Lambda. ({r.message})")
        self.credentials_expire = creds["Expiration"]
        env = dict(self.fn.environment_vars or {})
        if self.log_format == "JSON":
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = (getattr(self.fn, "logging_config", None) or {}).get("ApplicationLogLevel", "INFO")
        env.update({
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
            "AWS_LAMBDA_LOG_GROUP_NAME": self.log_group, "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.fn.run_time}",
            "LAMBDA_TASK_ROOT": str(self.task_dir), "_HANDLER": self.fn.handler or "", "TZ": ":UTC",
            # The one local addition: every AWS SDK sends every service's requests to this URL.
            "AWS_ENDPOINT_URL": ENDPOINT,
        })
        self.process = _Process(str(bootstrap), env, name=self.name, memory_mb=self.memory_mb, region=self.region,
                                account_id=self.account, version=self.version, cwd=str(self.task_dir))
        self.started = time.time()
        try:
            self.process.start(wait=True, timeout_s=INIT_TIMEOUT_S)
        except OSError as e:  # exec format error, and the like
            raise StartFailed("Runtime.InvalidEntrypoint", f"Error: fork/exec /var/task/bootstrap: {e.strerror}")
        except runtime_api.FunctionInitError as e:
            raise StartFailed(e.error_type, e.error_message)
        except runtime_api.FunctionDied as e:
            raise StartFailed("Runtime.ExitError", f"Error: Runtime exited with error: {_exit_status(e.returncode)}")
        except runtime_api.InvocationTimeout:
            raise StartFailed("Sandbox.Timedout", f"Error: INIT phase timed out after {INIT_TIMEOUT_S:.2f} seconds")
        self.init_ms = self.process.init_ms
        threading.Thread(target=self._deliver_logs, name=f"logs-{self.name}", daemon=True).start()

    def _deliver_logs(self) -> None:
        """Lines written after an invocation's answer (or between invocations) reach the log group
        within a fraction of a second, as Lambda delivers them on its own schedule."""
        while not self.dead:
            time.sleep(LOG_DELIVERY_S)
            try:
                self.flush_logs()
            except Exception:  # noqa: BLE001 - the group was deleted meanwhile, or the emulator reset
                EMU.log.debug("lambda: log delivery of %s failed", self.name, exc_info=True)

    def usable(self, fingerprint: str) -> bool:
        return (not self.dead and self.fingerprint == fingerprint and self.process is not None
                and self.process.alive() and self.credentials_expire - time.time() > CREDENTIALS_MARGIN_S)

    def stop(self) -> None:
        self.dead = True
        if self.process is not None:
            self.process.stop(grace_s=1.0)
            self.flush_logs()
        if self.task_dir is not None:
            shutil.rmtree(self.task_dir, ignore_errors=True)

    # ---- invoke ----
    def invoke(self, payload: bytes) -> dict:
        """One invocation: {payload: bytes, error: bool, request_id, log: [lines]}."""
        inv, timed_out = self.process.run(payload, self.timeout_s)
        rid = inv.request_id
        if not timed_out and inv.kind != "died":
            self.process.wait_for_next_poll(inv, max_s=2.0)
        self._settle_output()
        self.invocations += 1
        lines: list[tuple[int, str]] = []
        start = self._platform("start", rid, {"requestId": rid, "version": self.version},
                               f"START RequestId: {rid} Version: {self.version}")
        if start:  # stamped with the event's delivery, before the function's own lines
            lines.append((_now_ms() - int((time.perf_counter_ns() - (inv.delivered_ns or inv.queued_ns)) / 1e6), start))
        peak_mb = math.ceil((self.process.peak_rss_kb() or 0) / 1024)
        status, error = "success", None
        if timed_out:
            status = "timeout"
            error = ("Sandbox.Timedout", f"RequestId: {rid} Error: Task timed out after {self.timeout_s:.2f} seconds")
        elif inv.kind == "died":
            status = "error"
            error = ("Runtime.ExitError", f"RequestId: {rid} Error: Runtime exited with error: "
                                          f"{_exit_status(self.process.returncode)}")
        elif peak_mb > self.memory_mb:
            status = "error"
            error = ("Runtime.OutOfMemory", f"RequestId: {rid} Error: Runtime exited with error: signal: killed "
                                            f"(Max Memory Used {peak_mb} MB > Memory Size {self.memory_mb} MB)")
        if error:
            self.dead = True
            self.process.stop(grace_s=0.2)
            body, function_error = json.dumps({"errorType": error[0], "errorMessage": error[1]}).encode(), True
        elif inv.kind == "response":
            body, function_error = inv.body, False
        else:  # the runtime posted /error: the payload is its error document
            etype, emsg = runtime_api.parse_error_body(inv.body, inv.error_type_header)
            body, function_error = json.dumps({"errorType": etype, "errorMessage": emsg}).encode(), True
            status = "error"
        duration = max(0.0, (inv.finished_ns - inv.delivered_ns) / 1e6) if inv.finished_ns and inv.delivered_ns \
            else self.timeout_s * 1000
        metrics = {"durationMs": round(duration, 2), "billedDurationMs": math.ceil(duration),
                   "memorySizeMB": self.memory_mb, "maxMemoryUsedMB": peak_mb}
        if self.invocations == 1 and self.init_ms is not None:
            metrics["initDurationMs"] = round(self.init_ms, 2)
        record = {"requestId": rid, "metrics": metrics, "status": status}
        if error:
            record["errorType"] = error[0]
        text = (f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {math.ceil(duration)} ms\t"
                f"Memory Size: {self.memory_mb} MB\tMax Memory Used: {peak_mb} MB"
                + (f"\tInit Duration: {self.init_ms:.2f} ms" if "initDurationMs" in metrics else "")
                + (f"\tStatus: {status}\tError Type: {error[0]}" if error else ""))
        ends = []
        if self.log_format != "JSON" and error:
            ends.append(f"{_iso(_now_ms())} {rid} Task timed out after {self.timeout_s:.2f} seconds"
                        if timed_out else f"{_iso(_now_ms())} {rid} {error[1]}")
        end = self._platform(None, rid, None, f"END RequestId: {rid}")
        if end:
            ends.append(end)
        report = self._platform("report", rid, record, text, always=bool(error))
        if report:
            ends.append(report)
        logged = self.flush_logs(before=lines, after=[(_now_ms(), line) for line in ends])
        return {"payload": body, "error": function_error, "request_id": rid, "log": logged}

    def _settle_output(self, quiet_s: float = 0.03, max_s: float = 2.0) -> None:
        """Let the lines the function wrote just before answering come through its pipes, so the
        invocation's log (X-Amz-Log-Result, the log group) holds them."""
        deadline, seen = time.monotonic() + max_s, -1
        # First until the pipes are drained (the reader threads may wait for a core on a busy machine),
        # then until no line has arrived for `quiet_s`.
        pipes = [p for p in (self.process.proc.stdout, self.process.proc.stderr) if p is not None and not p.closed]
        while time.monotonic() < deadline and any(_unread_bytes(p) for p in pipes):
            time.sleep(0.005)
        while time.monotonic() < deadline and len(self.process.logs) != seen:
            seen = len(self.process.logs)
            time.sleep(quiet_s)

    def _platform(self, kind: str | None, rid: str, record: dict | None, text: str, always: bool = False) -> str | None:
        """A line of Lambda's own (START, END, REPORT), in the function's log format and level."""
        if self.log_format != "JSON":
            return text
        if kind is None or not (always or self.system_level in ("DEBUG", "INFO")):
            return None
        return json.dumps({"time": _iso(_now_ms()), "type": f"platform.{kind}", "record": record})

    # ---- logs ----
    def flush_logs(self, before: list[tuple[int, str]] = (), after: list[tuple[int, str]] = ()) -> list[str]:
        """The process's new lines, with Lambda's own `before` and `after` them ((epoch ms, text)
        pairs), into CloudWatch; returns their texts in time order."""
        process = self.process
        with self.log_lock:
            new = process.logs_since(self.log_mark) if process else []
            self.log_mark += len(new)
            now_ns, now_ms = time.perf_counter_ns(), _now_ms()
            events = list(before) + [(now_ms - int((now_ns - l.t_ns) / 1e6), l.text) for l in new] + list(after)
            events.sort(key=lambda e: e[0])  # stable: same-millisecond lines keep their order
            if events:
                self._put_log_events(events)
        return [text for _, text in events]

    def _put_log_events(self, events: list[tuple[int, str]]) -> None:
        from moto.logs.models import logs_backends
        logs = logs_backends[self.account][self.region]
        group_arn = f"arn:aws:logs:{self.region}:{self.account}:log-group:{self.log_group}"
        role = self.fn.role
        if self.log_group not in logs.groups:
            # Lambda creates a missing group only when the execution role may.
            if not _role_allows(role, "logs:CreateLogGroup", group_arn):
                return
            logs.create_log_group(self.log_group, {})
        stream_arn = f"{group_arn}:log-stream:{self.log_stream}"
        if not _role_allows(role, "logs:PutLogEvents", stream_arn):
            return
        group = logs.groups[self.log_group]
        if self.log_stream not in group.streams:
            if not _role_allows(role, "logs:CreateLogStream", stream_arn):
                return
            logs.create_log_stream(self.log_group, self.log_stream)
        logs.put_log_events(self.log_group, self.log_stream, [{"timestamp": t, "message": m} for t, m in events])

    def describe(self) -> dict:
        p = self.process
        return {"function": self.arn, "version": self.version, "pid": p.proc.pid if p and p.proc else None,
                "alive": bool(p and p.alive()), "started": self.started, "invocations": self.invocations,
                "memory_size_mb": self.memory_mb,
                "max_memory_used_mb": math.ceil((p.peak_rss_kb() or 0) / 1024) if p and p.alive() else None,
                "log_group": self.log_group, "log_stream": self.log_stream}


def _exit_status(code: int | None) -> str:
    if code is None:
        return "unknown"
    return f"signal: {_signal_name(-code)}" if code < 0 else f"exit status {code}"


def _signal_name(n: int) -> str:
    import signal
    try:
        return {signal.SIGKILL: "killed", signal.SIGTERM: "terminated", signal.SIGSEGV: "segmentation fault",
                signal.SIGABRT: "aborted"}.get(n, signal.Signals(n).name)
    except ValueError:
        return str(n)


def _unpack(code: bytes, dest: Path) -> None:
    """Unzip keeping each file's Unix mode (zipfile drops it; Lambda keeps it: bootstrap must be
    executable), refusing paths that would leave `dest`."""
    with zipfile.ZipFile(io.BytesIO(code)) as z:
        for info in z.infolist():
            target = (dest / info.filename).resolve()
            if dest.resolve() not in target.parents and target != dest.resolve():
                raise zipfile.BadZipFile(f"entry {info.filename!r} points outside the function's directory")
            z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(target, mode | stat.S_IRUSR)


def _root() -> str:
    global _ROOT
    if _ROOT is None:
        _ROOT = tempfile.mkdtemp(prefix="local-lambda-")
    return _ROOT


def _fingerprint(fn) -> str:
    """What makes an environment stale: any change of code or configuration."""
    return json.dumps({
        "code": fn.code_sha_256, "env": fn.environment_vars, "memory": fn.memory_size, "timeout": fn.timeout,
        "role": fn.role, "handler": fn.handler, "runtime": fn.run_time, "arch": fn.architectures,
        "logging": getattr(fn, "logging_config", None), "modified": fn.last_modified, "object": id(fn),
    }, sort_keys=True, default=str)


def environment_for(fn, version: str) -> Environment:
    """The warm environment of this function version, or a new one (the stale one stopped)."""
    key = (fn.account_id, fn.region, fn.function_name, version)
    fingerprint = _fingerprint(fn)
    with _LOCK:
        env = _ENVIRONMENTS.get(key)
        if env is not None and env.usable(fingerprint):
            return env
        _ENVIRONMENTS[key] = fresh = Environment(fn, fingerprint, version)
    if env is not None:
        env.stop()
    return fresh


def _run(fn, version: str, payload: bytes) -> dict:
    """One invocation through the function's environment, starting it when needed. Returns
    {payload, error, request_id, log}; raises InvokeError for API-level failures."""
    while True:
        env = environment_for(fn, version)
        with env.lock:
            if env.dead:  # replaced or stopped while this caller waited for it
                continue
            if env.process is None:
                try:
                    env.start()
                except StartFailed as e:
                    env.stop()
                    rid = str(uuid.uuid4())
                    body = json.dumps({"errorType": e.error_type, "errorMessage": f"RequestId: {rid} {e.message}"})
                    env._put_log_events([(_now_ms(), f"INIT_REPORT Init Duration: 0 ms\tPhase: init\tStatus: error\t"
                                                     f"Error Type: {e.error_type}"), (_now_ms(), body)])
                    return {"payload": body.encode(), "error": True, "request_id": rid, "log": [body]}
                except BaseException:
                    env.stop()
                    raise
            result = env.invoke(payload)
            if env.dead:
                env.stop()
            return result


def stop_all() -> None:
    """Stop every environment (the emulator is exiting): processes in parallel, then the temp dir."""
    with _LOCK:
        envs = list(_ENVIRONMENTS.values())
        _ENVIRONMENTS.clear()
    threads = [threading.Thread(target=e.stop) for e in envs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    if _ROOT is not None:
        shutil.rmtree(_ROOT, ignore_errors=True)


# ---- the Invoke API --------------------------------------------------------------------------

_FUNCTION_REF = re.compile(r"(?:arn:(?P<partition>[\w-]+):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:)?"
                           r"(?:(?P<account2>\d{12}):function:)?(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>[\w$-]+))?")


def _error(e: InvokeError):
    body = json.dumps({"Type": "User", "Message": e.message, "message": e.message})
    return e.status, {"Content-Type": "application/json", "x-amzn-ErrorType": e.code,
                      "x-amzn-RequestId": str(uuid.uuid4())}, body


def _header(handler, name: str) -> str | None:
    value = handler.headers.get(name)
    return value if value is None else str(value)


def invoke(handler):
    """The Invoke action: (status, headers, body) for moto's dispatcher."""
    from moto.awslambda.models import lambda_backends
    global ENDPOINT
    EMU.STATS.count("lambda:Invoke")
    if ENDPOINT is None:  # the emulator embedded without aws_emulator.main(): the address it was called at
        ENDPOINT = f"http://{handler.headers.get('Host')}"
    ref = unquote(handler.path.split("?")[0].rstrip("/").rsplit("/", 2)[-2])
    m = _FUNCTION_REF.fullmatch(ref)
    try:
        if m is None:
            raise InvokeError(400, "ValidationException", f"1 validation error detected: Value '{ref}' at "
                                                          "'functionName' failed to satisfy constraint")
        account = m["account"] or m["account2"] or handler.current_account
        region = m["region"] or handler.region
        qualifier = (handler.querystring.get("Qualifier") or [None])[0] or m["qualifier"]
        arn = f"arn:aws:lambda:{region}:{account}:function:{m['name']}" + (f":{qualifier}" if qualifier else "")
        if EMU._auth_enabled():
            _authorize(handler, arn, account, region, m["name"])
        try:
            fn = lambda_backends[account][region].get_function(m["name"], qualifier)
        except Exception:  # moto's UnknownFunctionException and friends
            raise InvokeError(404, "ResourceNotFoundException", f"Function not found: {arn}")
        kind = _header(handler, "X-Amz-Invocation-Type") or "RequestResponse"
        if kind not in ("RequestResponse", "Event", "DryRun"):
            raise InvokeError(400, "InvalidParameterValueException", f"Unsupported InvocationType: {kind}")
        payload = handler.raw_body if isinstance(handler.raw_body, bytes) else (handler.raw_body or "").encode()
        payload = payload or b"{}"
        limit = ASYNC_PAYLOAD_MAX if kind == "Event" else SYNC_PAYLOAD_MAX
        if len(payload) > limit:
            raise InvokeError(413, "RequestTooLargeException",
                              f"{len(payload)} byte payload is too large for the {kind} invocation type (limit {limit} bytes)")
        try:
            json.loads(payload)
        except ValueError as e:
            raise InvokeError(400, "InvalidRequestContentException", f"Could not parse request body into json: {e}")
        version = str(fn.version) if qualifier and qualifier != "$LATEST" else "$LATEST"
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": version,
                   "x-amzn-RequestId": str(uuid.uuid4())}
        if kind == "DryRun":
            return 204, headers, ""
        if kind == "Event":
            threading.Thread(target=_run_event, args=(fn, version, payload), name=f"event-{fn.function_name}",
                             daemon=True).start()
            return 202, headers, ""
        result = _run(fn, version, payload)
    except InvokeError as e:
        return _error(e)
    headers["x-amzn-RequestId"] = result["request_id"]
    if result["error"]:
        headers["X-Amz-Function-Error"] = "Unhandled"
    if (_header(handler, "X-Amz-Log-Type") or "None") == "Tail":
        tail = "\n".join(result["log"]).encode()[-LOG_TAIL_BYTES:]
        headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
    return 200, headers, result["payload"]


def _run_event(fn, version: str, payload: bytes) -> None:
    try:
        result = _run(fn, version, payload)
        if result["error"]:
            EMU.log.info("lambda: Event invocation of %s failed: %s", fn.function_name, result["payload"][:500])
    except InvokeError as e:
        EMU.log.warning("lambda: Event invocation of %s refused: %s %s", fn.function_name, e.code, e.message)
    except Exception:  # noqa: BLE001 - a background invocation must not take the server down
        EMU.log.exception("lambda: Event invocation of %s crashed", fn.function_name)


def _authorize(handler, arn: str, account: str, region: str, name: str) -> None:
    """lambda:InvokeFunction on the (qualified) function ARN: identity policies, and the function's
    resource-based policy (AddPermission) across accounts."""
    from moto.awslambda.models import lambda_backends
    if not handler.raw_body:
        # Signed over the empty payload; moto filled `data` with the query string or, lacking one,
        # the headers, which the signature check would hash as a form body.
        handler.data = {}
    try:
        caller = EMU._identify(handler)
        policy = None
        try:
            statements = lambda_backends[account][region].get_function(name).policy.statements
            if statements:
                policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
        except Exception:  # no such function: authorized on the ARN all the same
            pass
        EMU.authorize_with_resource_policy(caller, "lambda:InvokeFunction", arn,
                                           EMU._base_context(handler, caller), policy)
    except EMU.Denied as d:
        EMU.STATS.denials.append({"principal": d.caller_arn, "action": d.action, "resource": d.resource,
                                  "reason": d.reason})
        EMU.log.info("DENY %s", d)
        raise InvokeError(403, "AccessDeniedException", str(d))
    except EMU.Rejected as r:
        code = {"InvalidClientTokenId": "UnrecognizedClientException",
                "SignatureDoesNotMatch": "InvalidSignatureException"}.get(r.code, r.code)
        raise InvokeError(r.status, code, r.message)


def route(path: str, method: str):
    """The local API's /_local/lambda/environments; None for any other path."""
    if path == "/_local/lambda/environments" and method == "GET":
        with _LOCK:
            envs = list(_ENVIRONMENTS.values())
        return 200, [e.describe() for e in envs if not e.dead and e.process is not None]
    return None


def install(emu) -> None:
    """Route moto's Lambda Invoke here (every other Lambda action stays moto's)."""
    global EMU
    from moto.awslambda.responses import LambdaResponse
    EMU = emu
    original = LambdaResponse.call_action

    def call_action(self):
        if self._get_action() == "Invoke":
            return invoke(self)
        return original(self)

    LambdaResponse.call_action = call_action
    atexit.register(stop_all)
