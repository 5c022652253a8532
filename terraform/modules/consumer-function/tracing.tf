# X-Ray active tracing (function.tracing_mode = "Active"): Lambda sends the trace segments with
# the execution role, which then needs exactly the two write actions Lambda's documentation names.
# They are the write half of AWSXRayDaemonWriteAccess; its GetSampling* actions serve an X-Ray SDK
# inside the code, which this function does not use. X-Ray has no resource-level permissions, so
# "*" is the only resource these actions accept.
locals {
  tracing_policy = var.function.tracing_mode != "Active" ? {} : {
    "xray" = {
      description = "X-Ray active tracing: write trace segments and telemetry (no resource-level permissions exist)."
      document = {
        Version = "2012-10-17"
        Statement = [{
          Sid      = "XRayActiveTracing"
          Effect   = "Allow"
          Action   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
          Resource = "*"
        }]
      }
    }
  }
}
