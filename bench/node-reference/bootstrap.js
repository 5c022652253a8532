#!/usr/bin/env node
// A minimal Lambda Runtime API client (what the managed Node.js runtime does for a handler): load the
// handler during init, then loop GET /invocation/next -> handler -> POST response | error.
"use strict";

const http = require("http");
const { handler } = require("./index.js");

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = "/2018-06-01/runtime/invocation";

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) };
    const req = http.request({ host, port, method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function main() {
  for (;;) {
    const next = await call("GET", `${base}/next`);
    if (next.status !== 200) process.exit(0); // the local runtime API is shutting down
    const id = next.headers["lambda-runtime-aws-request-id"];
    try {
      const result = await handler(JSON.parse(next.body));
      await call("POST", `${base}/${id}/response`, JSON.stringify(result));
    } catch (e) {
      const body = JSON.stringify({ errorType: e.name || "Error", errorMessage: String(e.message || e) });
      await call("POST", `${base}/${id}/error`, body);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
