#!/usr/bin/env python3
"""A tiny Lambda runtime client, used only to test local/runtime_api.py without the real function.

It behaves like a custom runtime's bootstrap: poll GET /next, post /response or /error. The event
says what to do, so the tests can exercise every path of the server:
  {"echo": x}           -> response {"echo": x, "request_id", "deadline_ms", "function_arn", "trace_id", "env": {...}}
  {"fail": [type, msg]} -> POST /error
  {"exit": code}        -> exit mid-invocation without answering
  {"sleep": seconds}    -> sleep, then answer {"slept": seconds}
  {"big": n}            -> a response whose body is n bytes long (a JSON string)
  {"log": text}         -> print text to stdout and stderr, then answer {"logged": true}
  {"chunked": x}        -> answer {"echo": x} with Transfer-Encoding: chunked
  {"stale": true}       -> post a response for a made-up request id, report the status code
Environment: FAKE_INIT_ERROR=msg posts /init/error; FAKE_INIT_SLEEP=s sleeps before the first poll;
FAKE_EXIT_AT_START=code exits before polling.
"""
import http.client
import json
import os
import sys
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
PREFIX = "/2018-06-01/runtime"
conn = http.client.HTTPConnection(API)  # one keep-alive connection, like the Rust runtime client


def call(method, path, body=None, headers=None, chunked=False):
    if chunked:
        conn.putrequest(method, PREFIX + path)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for i in range(0, len(body), 7):
            part = body[i:i + 7]
            conn.send(b"%x\r\n%s\r\n" % (len(part), part))
        conn.send(b"0\r\n\r\n")
    else:
        conn.request(method, PREFIX + path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, r.getheaders(), r.read()


if "FAKE_EXIT_AT_START" in os.environ:
    print("config error: FAKE_EXIT_AT_START set", file=sys.stderr, flush=True)
    sys.exit(int(os.environ["FAKE_EXIT_AT_START"]))
time.sleep(float(os.environ.get("FAKE_INIT_SLEEP", "0")))
if "FAKE_INIT_ERROR" in os.environ:
    call("POST", "/init/error", json.dumps({"errorType": "Runtime.Init", "errorMessage": os.environ["FAKE_INIT_ERROR"]}).encode(),
         {"Lambda-Runtime-Function-Error-Type": "Runtime.Init"})
    sys.exit(1)

while True:
    status, headers, body = call("GET", "/invocation/next")
    h = {k.lower(): v for k, v in headers}
    rid = h["lambda-runtime-aws-request-id"]
    event = json.loads(body)
    if "fail" in event:
        etype, msg = event["fail"]
        call("POST", f"/invocation/{rid}/error", json.dumps({"errorType": etype, "errorMessage": msg}).encode(),
             {"Lambda-Runtime-Function-Error-Type": etype})
        continue
    if "exit" in event:
        sys.exit(event["exit"])
    if "sleep" in event:
        time.sleep(event["sleep"])
        out = {"slept": event["sleep"]}
    elif "big" in event:
        out = None
        status, _, reply = call("POST", f"/invocation/{rid}/response", b'"' + b"x" * (event["big"] - 2) + b'"')
        print(json.dumps({"big_status": status, "reply": json.loads(reply)}), flush=True)
        continue
    elif "log" in event:
        print(event["log"], flush=True)
        print(event["log"], file=sys.stderr, flush=True)
        out = {"logged": True}
    elif "stale" in event:
        s, _, reply = call("POST", "/invocation/not-a-request/response", b"{}")
        out = {"stale_status": s, "stale_reply": json.loads(reply)}
    else:
        out = {"echo": event.get("echo"), "request_id": rid, "deadline_ms": int(h["lambda-runtime-deadline-ms"]),
               "function_arn": h["lambda-runtime-invoked-function-arn"], "trace_id": h["lambda-runtime-trace-id"],
               "env": {k: v for k, v in os.environ.items() if k.startswith("AWS_") or k.startswith("FAKE_")}}
    call("POST", f"/invocation/{rid}/response", json.dumps(out).encode(), chunked="chunked" in event)
