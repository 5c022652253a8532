# All policy documents and the environment come from the provider-free module, so the tests
# render exactly what is deployed.
module "policies" {
  source = "../consumer-policies"

  function_name            = var.function_name
  consumer_account_id      = var.consumer_account_id
  region                   = var.region
  partition                = var.partition
  main_role_arns           = var.main_role_arns
  role_arn                 = var.role_arn
  enable_tag_session       = var.enable_tag_session
  external_id              = var.external_id
  role_session_name        = var.role_session_name
  session_duration_seconds = var.session_duration_seconds
  table_region             = var.table_region
  default_table            = var.default_table
  scheduled_request        = var.scheduled_request
  extra_environment        = var.extra_environment
}

locals {
  execution_role_name = var.execution_role_name != "" ? var.execution_role_name : "${var.function_name}-exec"
  schedule_enabled    = var.schedule_expression != ""
  kms_key_arn         = var.kms_key_arn != "" ? var.kms_key_arn : null
  boundary            = var.permissions_boundary != "" ? var.permissions_boundary : null

  # Relates two variables (Terraform 1.0 validation blocks cannot): tobool() of a message fails.
  check_schedule_has_request = !local.schedule_enabled || var.scheduled_request != "" ? true : tobool(
    "A schedule_expression needs a scheduled_request: the request the scheduled run executes."
  )
}

resource "aws_iam_role" "execution" {
  name                 = local.execution_role_name
  description          = "Execution role of ${var.function_name}."
  assume_role_policy   = module.policies.execution_trust_policy_json
  permissions_boundary = local.boundary
  tags                 = var.tags
}

resource "aws_iam_policy" "assume_main" {
  name        = "${local.execution_role_name}-assume-main"
  description = "sts:AssumeRole on the main-account DynamoDB roles only."
  policy      = module.policies.assume_policy_json
  tags        = var.tags
}

resource "aws_iam_policy" "logs" {
  name        = "${local.execution_role_name}-logs"
  description = "Write to ${module.policies.log_group_name} only."
  policy      = module.policies.logs_policy_json
  tags        = var.tags
}

# Non-exclusive attachments (never aws_iam_policy_attachment, which detaches other holders).
resource "aws_iam_role_policy_attachment" "assume_main" {
  role       = aws_iam_role.execution.name
  policy_arn = aws_iam_policy.assume_main.arn
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.execution.name
  policy_arn = aws_iam_policy.logs.arn
}

# X-Ray's write actions have no resource-level permissions, so the AWS managed policy is used
# rather than a project document with Resource "*".
resource "aws_iam_role_policy_attachment" "xray" {
  count = var.tracing_mode == "Active" ? 1 : 0

  role       = aws_iam_role.execution.name
  policy_arn = "arn:${var.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

resource "aws_cloudwatch_log_group" "function" {
  # checkov:skip=CKV_AWS_158: CloudWatch Logs always encrypts at rest; a customer key is an input (kms_key_arn) because its key policy must first grant the logs service.
  # checkov:skip=CKV_AWS_338: retention is an input (default 30 days); one year of debug logs of a reader function is cost without value, set log_retention_days = 365 where policy requires it.
  name              = module.policies.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_117: the function only calls STS and DynamoDB public endpoints; a VPC would add NAT or VPC endpoints for no isolation gain.
  # checkov:skip=CKV_AWS_116: invocations are synchronous (caller sees the error) or from EventBridge Scheduler, whose retry policy applies; a DLQ only serves async invokes.
  # checkov:skip=CKV_AWS_272: code signing needs an AWS Signer profile outside this project; the zip's integrity is pinned by source_code_hash.
  # checkov:skip=CKV_AWS_173: environment holds no secrets (role ARN, ExternalId, table names); set kms_key_arn to encrypt it with a customer key anyway.
  # checkov:skip=CKV_AWS_115: reserved concurrency is an input (reserved_concurrency); -1 by default so a small account's pool is not carved up.
  # checkov:skip=CKV_AWS_50: X-Ray is an input (tracing_mode); PassThrough by default to avoid tracing cost.
  function_name                  = var.function_name
  description                    = "Reads DynamoDB tables of the main account through a cross-account role."
  role                           = aws_iam_role.execution.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  filename                       = var.zip_path
  source_code_hash               = filebase64sha256(var.zip_path)
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = local.kms_key_arn
  tags                           = var.tags

  environment {
    variables = module.policies.environment
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.function.name
    application_log_level = var.log_level
    system_log_level      = "WARN"
  }

  # The role must hold its policies before the first invocation, and the log group must exist
  # before Lambda would create an unmanaged one.
  depends_on = [
    aws_iam_role_policy_attachment.assume_main,
    aws_iam_role_policy_attachment.logs,
    aws_cloudwatch_log_group.function,
  ]
}

# Optional schedule: EventBridge Scheduler invokes the function with the request as its payload.
resource "aws_iam_role" "scheduler" {
  count = local.schedule_enabled ? 1 : 0

  name                 = "${local.execution_role_name}-scheduler"
  description          = "Lets EventBridge Scheduler invoke ${var.function_name}."
  assume_role_policy   = module.policies.scheduler_trust_policy_json
  permissions_boundary = local.boundary
  tags                 = var.tags
}

resource "aws_iam_policy" "scheduler_invoke" {
  count = local.schedule_enabled ? 1 : 0

  name        = "${local.execution_role_name}-scheduler-invoke"
  description = "lambda:InvokeFunction on ${var.function_name} only."
  policy      = module.policies.scheduler_invoke_policy_json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "scheduler_invoke" {
  count = local.schedule_enabled ? 1 : 0

  role       = aws_iam_role.scheduler[0].name
  policy_arn = aws_iam_policy.scheduler_invoke[0].arn
}

resource "aws_scheduler_schedule" "this" {
  # checkov:skip=CKV_AWS_297: the schedule holds only the request JSON (no secrets) and is encrypted with an AWS owned key; a customer key is an input (kms_key_arn).
  count = local.schedule_enabled ? 1 : 0

  name                         = var.function_name
  description                  = "Runs ${var.function_name} on ${var.schedule_expression}."
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  kms_key_arn                  = local.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this.arn
    role_arn = aws_iam_role.scheduler[0].arn
    # Scheduler passes `input` verbatim as the event: the request itself.
    input = local.check_schedule_has_request ? var.scheduled_request : ""

    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 3600
    }
  }

  depends_on = [aws_iam_role_policy_attachment.scheduler_invoke]
}
