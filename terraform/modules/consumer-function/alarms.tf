# Optional alarms on the function's AWS/Lambda metrics, notifying an SNS topic given or created.

locals {
  alarms           = var.alarms
  create_topic     = local.alarms != null && try(local.alarms.sns_topic_arn, null) == null
  create_topic_key = local.create_topic && try(local.alarms.kms_key_arn, null) == null
  alarm_topic_arn  = local.alarms == null ? null : (local.create_topic ? aws_sns_topic.alarms[0].arn : local.alarms.sns_topic_arn)
  alarm_dimensions = { FunctionName = local.function_name }

  # The simple alarms: one AWS/Lambda metric each, by name (name suffix => settings).
  metric_alarms = local.alarms == null ? {} : { for k, v in {
    errors = try(local.alarms.errors, null) == null ? null : {
      description = "${local.function_name}: ${local.alarms.errors.threshold} or more function errors in ${local.alarms.errors.period_seconds} s."
      metric      = "Errors"
      statistic   = "Sum"
      threshold   = local.alarms.errors.threshold
      comparison  = "GreaterThanOrEqualToThreshold"
      period      = local.alarms.errors.period_seconds
    }
    throttles = try(local.alarms.throttles, null) == null ? null : {
      description = "${local.function_name}: ${local.alarms.throttles.threshold} or more throttled invocations in ${local.alarms.throttles.period_seconds} s."
      metric      = "Throttles"
      statistic   = "Sum"
      threshold   = local.alarms.throttles.threshold
      comparison  = "GreaterThanOrEqualToThreshold"
      period      = local.alarms.throttles.period_seconds
    }
    duration = try(local.alarms.duration, null) == null ? null : {
      description = "${local.function_name}: an invocation took more than ${local.alarms.duration.percent_of_timeout}% of its ${var.function.timeout} s timeout."
      metric      = "Duration"
      statistic   = "Maximum"
      threshold   = var.function.timeout * 1000 * local.alarms.duration.percent_of_timeout / 100
      comparison  = "GreaterThanThreshold"
      period      = local.alarms.duration.period_seconds
    }
  } : k => v if v != null }

  # The topic's key when this module creates it: CloudWatch publishes to an encrypted topic only
  # with a customer managed key whose policy lets it (the AWS managed SNS key cannot be granted).
  topic_key_policy = !local.create_topic_key ? null : {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${var.consumer_account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = var.consumer_account_id } }
      },
    ]
  }
}

resource "aws_kms_key" "alarms" {
  count = local.create_topic_key ? 1 : 0

  description         = "Encrypts the alarm topic of ${local.function_name}."
  enable_key_rotation = true
  policy              = jsonencode(local.topic_key_policy)
  tags                = var.tags
}

resource "aws_sns_topic" "alarms" {
  count = local.create_topic ? 1 : 0

  name              = "${local.function_name}-alarms"
  kms_master_key_id = coalesce(try(local.alarms.kms_key_arn, null), try(aws_kms_key.alarms[0].arn, null))
  tags              = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = local.metric_alarms

  alarm_name          = "${local.function_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = local.alarm_dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  # No invocations is no error, no throttle and no slow run.
  treat_missing_data = "notBreaching"
  alarm_actions      = [local.alarm_topic_arn]
  ok_actions         = [local.alarm_topic_arn]
  tags               = var.tags
}

# "No successful run in N hours": invocations minus errors over one period of N hours below 1.
# No invocation at all leaves no data, which breaches: that is the missed run.
resource "aws_cloudwatch_metric_alarm" "no_successful_run" {
  count = try(local.alarms.no_successful_run, null) != null ? 1 : 0

  alarm_name          = "${local.function_name}-no-successful-run"
  alarm_description   = "${local.function_name}: no successful invocation in ${local.alarms.no_successful_run.hours} h (schedule ${try(var.schedule.expression, "none")})."
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [local.alarm_topic_arn]
  ok_actions          = [local.alarm_topic_arn]
  tags                = var.tags

  metric_query {
    id          = "successes"
    expression  = "invocations - FILL(errors, 0)"
    label       = "Successful invocations"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { invocations = "Invocations", errors = "Errors" }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/Lambda"
        metric_name = metric_query.value
        dimensions  = local.alarm_dimensions
        period      = local.alarms.no_successful_run.hours * 3600
        stat        = "Sum"
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.schedule != null
      error_message = "The alarms.no_successful_run alarm watches a scheduled function: set schedule, or leave alarms.no_successful_run null."
    }
  }
}
