locals {
  log_group_name = "/aws/lambda/${var.function_name}"
  log_group_arn  = "arn:${var.partition}:logs:${var.region}:${var.consumer_account_id}:log-group:${local.log_group_name}"
  function_arn   = "arn:${var.partition}:lambda:${var.region}:${var.consumer_account_id}:function:${var.function_name}"

  role_arn = var.role_arn != "" ? var.role_arn : var.main_role_arns[0]
  # The ROLE_ARN the function uses must be one it is allowed to assume (relates two variables,
  # which Terraform 1.0 validation blocks cannot: tobool() of a message fails with it).
  check_role_arn_allowed = contains(var.main_role_arns, local.role_arn) ? true : tobool(
    "The role_arn ${local.role_arn} must be one of main_role_arns."
  )

  # Lambda itself assumes the execution role. Deliberately the documented form without
  # aws:SourceAccount/SourceArn conditions: Lambda does not document them for execution roles.
  execution_trust_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaService"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  assume_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "AssumeMainAccountRoles"
      Effect   = "Allow"
      Action   = concat(["sts:AssumeRole"], var.enable_tag_session ? ["sts:TagSession"] : [])
      Resource = sort(distinct(var.main_role_arns))
    }]
  })

  # The log group is created by Terraform, so no logs:CreateLogGroup; streams only in its own group.
  logs_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "OwnLogGroupOnly"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = [local.log_group_arn, "${local.log_group_arn}:log-stream:*"]
    }]
  })

  # EventBridge Scheduler runs the schedule with its own role, which may invoke this function only;
  # aws:SourceAccount is the confused-deputy guard Scheduler's documentation recommends.
  scheduler_trust_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SchedulerService"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.consumer_account_id } }
    }]
  })

  scheduler_invoke_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "InvokeTheFunction"
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = local.function_arn
    }]
  })

  # Only variables that are set: the function treats a present-but-empty variable as an error.
  environment = merge(var.extra_environment, { for k, v in {
    ROLE_ARN                 = local.role_arn
    EXTERNAL_ID              = var.external_id
    ROLE_SESSION_NAME        = var.role_session_name
    SESSION_DURATION_SECONDS = var.session_duration_seconds == 0 ? "" : tostring(var.session_duration_seconds)
    TABLE_REGION             = var.table_region
    DEFAULT_TABLE            = var.default_table
    SCHEDULED_REQUEST        = var.scheduled_request
  } : k => v if v != "" })
}
