#!/usr/bin/env python3
"""A minimal Lambda Runtime API client for the boto3 reference (what the managed Python runtime does):
import the handler during init, then loop GET /invocation/next -> handler -> POST response | error.
Run with the project's venv python first on PATH (boto3 lives there)."""
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from handler import handler  # noqa: E402  (import = init, as in Lambda)

BASE = "/2018-06-01/runtime/invocation"


def main():
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    conn = http.client.HTTPConnection(host, int(port))
    while True:
        conn.request("GET", f"{BASE}/next")
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return  # the local runtime API is shutting down
        request_id = resp.getheader("Lambda-Runtime-Aws-Request-Id")
        try:
            out, kind = json.dumps(handler(json.loads(body))).encode(), "response"
        except Exception as e:  # noqa: BLE001 - every failure is reported to the runtime API
            out, kind = json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)}).encode(), "error"
        conn.request("POST", f"{BASE}/{request_id}/{kind}", body=out, headers={"Content-Type": "application/json"})
        conn.getresponse().read()


if __name__ == "__main__":
    main()
