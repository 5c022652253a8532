data "aws_partition" "current" {}

module "conventions" {
  source = "../conventions"

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
}

locals {
  partition           = data.aws_partition.current.partition
  function_name       = module.conventions.names.function_name
  execution_role_name = module.conventions.names.execution_role_name
  # Known without reading the main account: an identity policy may name a role that does not
  # exist yet, so this root can always be applied first.
  role_arn      = "arn:${local.partition}:iam::${var.main_account_id}:role/${coalesce(var.assume.role_name, module.conventions.names.cross_account_role_name)}"
  log_group     = "/aws/lambda/${local.function_name}"
  log_group_arn = "arn:${local.partition}:logs:${var.region}:${var.consumer_account_id}:log-group:${local.log_group}"
  function_arn  = "arn:${local.partition}:lambda:${var.region}:${var.consumer_account_id}:function:${local.function_name}"

  # Only variables that are set: the function treats a present-but-empty variable as an error.
  environment = merge(var.function.extra_environment, local.direct_access_environment, { for k, v in {
    ROLE_ARN                 = var.access.mode == "resource_policy" ? null : local.role_arn
    EXTERNAL_ID              = var.assume.external_id
    ROLE_SESSION_NAME        = var.assume.session_name
    SESSION_DURATION_SECONDS = var.assume.session_duration_seconds == null ? null : tostring(var.assume.session_duration_seconds)
    TABLE_REGION             = var.function.table_region
    DEFAULT_TABLE            = var.function.default_table
    ALLOW_WRITES             = var.function.allow_writes ? "true" : null
    SCHEDULED_REQUEST        = try(var.schedule.request, null)
    METRICS                  = var.metrics.enabled == null ? null : (var.metrics.enabled ? "on" : "off")
    METRICS_NAMESPACE        = var.metrics.namespace
    # Always explicit (the function's defaults are on): what the main root's trust allows.
    SOURCE_IDENTITY = var.access.mode == "resource_policy" ? null : (var.assume.source_identity ? local.function_name : "off")
    SESSION_TAGS    = var.access.mode == "resource_policy" ? null : (var.assume.tag_session ? jsonencode(local.session_tags) : "off")
  } : k => v if v != null })

  # The values the main root's trust pins by default (naming.json), unless given here.
  session_tags     = coalesce(var.assume.session_tags, module.conventions.session_tags)
  assume_role_arns = sort(distinct(concat([local.role_arn], var.assume.extra_role_arns)))

  # Lambda itself assumes the execution role. Deliberately the documented form without
  # aws:SourceAccount/SourceArn conditions: Lambda does not document them for execution roles.
  execution_trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaService"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  }

  # The execution role's own policies, by name suffix.
  execution_policies = merge({ for k, v in {
    "assume-main" = {
      description = "sts:AssumeRole on the main-account DynamoDB roles only."
      document = {
        Version = "2012-10-17"
        # SetSourceIdentity / TagSession only with the values the function sends.
        Statement = concat([{
          Sid      = "AssumeMainAccountRoles"
          Effect   = "Allow"
          Action   = ["sts:AssumeRole"]
          Resource = local.assume_role_arns
          }], var.assume.source_identity ? [{
          Sid       = "SourceIdentityIsTheFunction"
          Effect    = "Allow"
          Action    = ["sts:SetSourceIdentity"]
          Resource  = local.assume_role_arns
          Condition = { StringEquals = { "sts:SourceIdentity" = local.function_name } }
          }] : [], var.assume.tag_session ? [{
          Sid      = "SessionTagsOfTheFunction"
          Effect   = "Allow"
          Action   = ["sts:TagSession"]
          Resource = local.assume_role_arns
          Condition = {
            StringEquals                = { for k, v in local.session_tags : "aws:RequestTag/${k}" => v }
            "ForAllValues:StringEquals" = { "aws:TagKeys" = sort(keys(local.session_tags)) }
          }
        }] : [])
      }
    }
    } : k => v if local.assume_role_granted }, {
    # The log group is created by Terraform, so no logs:CreateLogGroup; streams only in its own group.
    "logs" = {
      description = "Write to ${local.log_group} only."
      document = {
        Version = "2012-10-17"
        Statement = [{
          Sid      = "OwnLogGroupOnly"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = [local.log_group_arn, "${local.log_group_arn}:log-stream:*"]
        }]
      }
    }
  }, local.tracing_policy, local.on_failure_policy, local.direct_access_policy)

  # EventBridge Scheduler runs the schedule with its own role, which may invoke this function only;
  # aws:SourceAccount is the confused-deputy guard Scheduler's documentation recommends.
  scheduler_trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SchedulerService"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.consumer_account_id } }
    }]
  }
  # With a dead-letter queue, Scheduler sends what it could not deliver there with this same role.
  scheduler_invoke_policy = {
    Version = "2012-10-17"
    Statement = concat([{
      Sid      = "InvokeTheFunction"
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = local.function_arn
      }], local.dead_letter_queue ? [{
      Sid      = "DeadLetterQueue"
      Effect   = "Allow"
      Action   = "sqs:SendMessage"
      Resource = aws_sqs_queue.dead_letter[0].arn
    }] : [])
  }
}

resource "aws_iam_role" "execution" {
  name                 = local.execution_role_name
  description          = "Execution role of ${local.function_name}."
  assume_role_policy   = jsonencode(local.execution_trust_policy)
  permissions_boundary = var.function.permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_policy" "execution" {
  for_each = local.execution_policies

  name        = "${local.execution_role_name}-${each.key}"
  description = each.value.description
  policy      = jsonencode(each.value.document)
  tags        = var.tags
}

# Non-exclusive attachments (never aws_iam_policy_attachment, which detaches other holders).
resource "aws_iam_role_policy_attachment" "execution" {
  for_each = aws_iam_policy.execution

  role       = aws_iam_role.execution.name
  policy_arn = each.value.arn
}

resource "aws_cloudwatch_log_group" "function" {
  # checkov:skip=CKV_AWS_158: CloudWatch Logs always encrypts at rest; a customer key is an input (function.kms_key_arn) because its key policy must first grant the logs service.
  # checkov:skip=CKV_AWS_338: retention is an input (default 30 days); one year of debug logs of a reader function is cost without value, set function.log_retention_days = 365 where policy requires it.
  name              = local.log_group
  retention_in_days = var.function.log_retention_days
  kms_key_id        = var.function.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_117: the function only calls STS and DynamoDB public endpoints; a VPC would add NAT or VPC endpoints for no isolation gain.
  # checkov:skip=CKV_AWS_116: the on-failure destination of asynchronous invocations (failure_handling.async_invocation, aws_lambda_function_event_invoke_config) replaces the legacy dead_letter_config; synchronous callers see the error.
  # checkov:skip=CKV_AWS_272: code signing needs an AWS Signer profile outside this project; the zip's integrity is pinned by source_code_hash.
  # checkov:skip=CKV_AWS_173: environment holds no secrets (role ARN, ExternalId, table names); set function.kms_key_arn to encrypt it with a customer key anyway.
  # checkov:skip=CKV_AWS_115: reserved concurrency is an input (function.reserved_concurrency); unreserved by default so a small account's pool is not carved up.
  # checkov:skip=CKV_AWS_50: X-Ray is an input (function.tracing_mode); PassThrough by default to avoid tracing cost.
  function_name                  = local.function_name
  description                    = "Reads DynamoDB tables of the main account through a cross-account role."
  role                           = aws_iam_role.execution.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.function.architecture]
  filename                       = var.function.zip_path
  source_code_hash               = filebase64sha256(var.function.zip_path)
  memory_size                    = var.function.memory_size
  timeout                        = var.function.timeout
  reserved_concurrent_executions = coalesce(var.function.reserved_concurrency, -1)
  kms_key_arn                    = var.function.kms_key_arn
  tags                           = var.tags

  environment {
    variables = local.environment
  }

  tracing_config {
    mode = var.function.tracing_mode
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.function.name
    application_log_level = var.function.log_level
    system_log_level      = "WARN"
  }

  # The role must hold its policies before the first invocation, and the log group must exist
  # before Lambda would create an unmanaged one.
  depends_on = [
    aws_iam_role_policy_attachment.execution,
    aws_cloudwatch_log_group.function,
  ]
}

# Optional schedule: EventBridge Scheduler invokes the function with the request as its payload.
resource "aws_iam_role" "scheduler" {
  count = var.schedule != null ? 1 : 0

  name                 = "${local.execution_role_name}-scheduler"
  description          = "Lets EventBridge Scheduler invoke ${local.function_name}."
  assume_role_policy   = jsonencode(local.scheduler_trust_policy)
  permissions_boundary = var.function.permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_policy" "scheduler_invoke" {
  count = var.schedule != null ? 1 : 0

  name        = "${local.execution_role_name}-scheduler-invoke"
  description = "lambda:InvokeFunction on ${local.function_name} only."
  policy      = jsonencode(local.scheduler_invoke_policy)
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "scheduler_invoke" {
  count = var.schedule != null ? 1 : 0

  role       = aws_iam_role.scheduler[0].name
  policy_arn = aws_iam_policy.scheduler_invoke[0].arn
}

resource "aws_scheduler_schedule" "this" {
  # checkov:skip=CKV_AWS_297: the schedule holds only the request JSON (no secrets) and is encrypted with an AWS owned key; a customer key is an input (function.kms_key_arn).
  count = var.schedule != null ? 1 : 0

  name                         = local.function_name
  description                  = "Runs ${local.function_name} on ${var.schedule.expression}."
  schedule_expression          = var.schedule.expression
  schedule_expression_timezone = var.schedule.timezone
  kms_key_arn                  = var.function.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this.arn
    role_arn = aws_iam_role.scheduler[0].arn
    # Scheduler passes `input` verbatim as the event: the request itself.
    input = var.schedule.request

    retry_policy {
      maximum_retry_attempts       = var.failure_handling.schedule_retry.maximum_retry_attempts
      maximum_event_age_in_seconds = var.failure_handling.schedule_retry.maximum_event_age_seconds
    }

    # Invocations Scheduler could not deliver after its retries (failure-handling.tf).
    dynamic "dead_letter_config" {
      for_each = local.dead_letter_queue ? [1] : []
      content {
        arn = aws_sqs_queue.dead_letter[0].arn
      }
    }
  }

  depends_on = [aws_iam_role_policy_attachment.scheduler_invoke]
}
