# Failed invocations are kept, not lost. Scheduler invokes the function asynchronously: Scheduler's
# retry policy and dead-letter queue cover invocations it could not hand to Lambda (throttled,
# refused); the function's asynchronous invocation config covers invocations Lambda ran that
# failed (retries, then the on-failure destination).

locals {
  dead_letter_queue = var.failure_handling.dead_letter_queue != null
  async_invocation  = var.failure_handling.async_invocation
  # Where Lambda sends a failed asynchronous invocation: the given ARN, else the dead-letter queue.
  # Whether there is one is known at plan time even while the queue's ARN is not.
  on_failure = local.async_invocation == null ? null : (
    local.async_invocation.on_failure_arn != null ? {
      arn     = local.async_invocation.on_failure_arn
      service = split(":", local.async_invocation.on_failure_arn)[2]
    } : local.dead_letter_queue ? { arn = aws_sqs_queue.dead_letter[0].arn, service = "sqs" } : null
  )

  # Lambda sends to the on-failure destination with the execution role: exactly the one action
  # the destination's service needs, on that destination only.
  on_failure_action = {
    sqs    = "sqs:SendMessage"
    sns    = "sns:Publish"
    lambda = "lambda:InvokeFunction"
    events = "events:PutEvents"
  }
  on_failure_policy = local.on_failure == null ? {} : {
    "on-failure" = {
      description = "Send failed asynchronous invocations to their destination only."
      document = {
        Version = "2012-10-17"
        Statement = [{
          Sid      = "OnFailureDestination"
          Effect   = "Allow"
          Action   = local.on_failure_action[local.on_failure.service]
          Resource = local.on_failure.arn
        }]
      }
    }
  }
}

resource "aws_sqs_queue" "dead_letter" {
  count = local.dead_letter_queue ? 1 : 0

  name                      = "${local.function_name}-dlq"
  message_retention_seconds = var.failure_handling.dead_letter_queue.retention_seconds
  # SSE-SQS: encrypted at rest with no key policy for Scheduler and Lambda to be granted.
  sqs_managed_sse_enabled = true
  tags                    = var.tags
}

resource "aws_lambda_function_event_invoke_config" "this" {
  count = local.async_invocation != null ? 1 : 0

  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = local.async_invocation.maximum_retry_attempts
  maximum_event_age_in_seconds = local.async_invocation.maximum_event_age_seconds

  dynamic "destination_config" {
    for_each = local.on_failure == null ? [] : [local.on_failure.arn]
    content {
      on_failure {
        destination = destination_config.value
      }
    }
  }

  # Lambda checks the execution role's permission on the destination when the config is set.
  depends_on = [aws_iam_role_policy_attachment.execution]
}
