output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "execution_role_arn" {
  description = "ARN of the execution role: the principal the main account's role trusts."
  value       = aws_iam_role.execution.arn
}

output "role_arn" {
  description = "The main-account role the function assumes (its ROLE_ARN)."
  value       = local.role_arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.function.name
}

output "schedule_arn" {
  description = "ARN of the schedule (null when there is none)."
  value       = try(aws_scheduler_schedule.this[0].arn, null)
}

output "environment" {
  description = "The function's environment variables (only the ones that are set)."
  value       = local.environment
}

output "alarm_topic_arn" {
  description = "The SNS topic the alarms notify (null without alarms)."
  value       = local.alarm_topic_arn
}

output "alarm_names" {
  description = "Names of the alarms created."
  value       = concat([for a in aws_cloudwatch_metric_alarm.function : a.alarm_name], [for a in aws_cloudwatch_metric_alarm.no_successful_run : a.alarm_name])
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue (null when there is none)."
  value       = try(aws_sqs_queue.dead_letter[0].arn, null)
}

output "on_failure_destination_arn" {
  description = "Where failed asynchronous invocations go (null: no destination)."
  value       = try(local.on_failure.arn, null)
}
